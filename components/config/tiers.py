"""Each environment tier's defaults, in the shape of a stack file: one table to read.

A stack file says only what differs; `components.config.stack.load` merges it over these key
by key.
"""

from typing import Any, Literal

Tier = Literal["dev", "stg", "prd"]

ALL_INTERFACE_ENDPOINTS = [
    "ecr.api", "ecr.dkr", "logs", "ssm", "ssmmessages", "secretsmanager", "kms", "sts",
]  # fmt: skip

# Zones per tier when the stack file names none.
TIER_ZONE_COUNT = {"dev": 2, "stg": 2, "prd": 3}

# Each tier's defaults, in the shape of a stack file; the stack file overrides them key by key.
TIER_DEFAULTS: dict[str, dict[str, Any]] = {
    "dev": {
        "protectStatefulResources": False,
        "logRetentionDays": 30,
        "network": {"natGateways": "single", "interfaceEndpoints": []},
        "database": {
            "minCapacity": 0.5, "maxCapacity": 2, "instances": 1, "backupRetentionDays": 1,
            "deletionProtection": False, "autoMinorVersionUpgrade": True,
            "monitoringIntervalSeconds": 0,
        },
        "cache": {"nodeType": "cache.t4g.micro", "replicas": 0, "snapshotRetentionDays": 0,
                  "autoMinorVersionUpgrade": True},
        "buckets": {"accessLogsExpireDays": 30, "archiveToGlacierDays": 30,
                    "archiveExpireDays": 365},
        "backup": {"enabled": False},
        "cluster": {"preferSpot": True},
        "functionReservedConcurrency": None,
        "jobRetries": {"attempts": 1, "intervalSeconds": 30, "backoffRate": 2},
        "opsHost": {"enabled": False},
        "observability": {
            "evaluationPeriods": 3, "queryResultsExpireDays": 7,
            "thresholds": {
                "serverErrorsPercent": 10, "clientErrorsPercent": 30, "targetP95Seconds": 3,
                "rejectedConnections": 50, "tlsErrors": 100,
                "serviceCpuPercent": 90, "serviceMemoryPercent": 90,
                "databaseCpuPercent": 90, "databaseConnections": 200,
                "databaseFreeableMemoryMib": 128, "replicaLagMs": 2000,
                "cacheCpuPercent": 90, "cacheMemoryPercent": 90, "cacheEvictions": 1000,
                "wafBlockedRequests": 1000, "logErrors": 20, "logWarnings": 200,
                "functionErrors": 5,
            },
        },
        "edge": {"priceClass": "PriceClass_200", "deletionProtection": False,
                 "waf": {"rateLimit": 2000, "managedRules": {"anonymousIpList": "count"}}},
        "pipeline": {"deploy": "rolling", "approval": False, "keepImages": 10,
                     "untaggedExpireDays": 3, "traffic": {"type": "allAtOnce"}},
    },
    "stg": {
        "protectStatefulResources": False,
        "logRetentionDays": 90,
        "network": {"natGateways": "single", "interfaceEndpoints": ALL_INTERFACE_ENDPOINTS},
        "database": {
            "minCapacity": 0.5, "maxCapacity": 4, "instances": 2, "backupRetentionDays": 7,
            "deletionProtection": True, "autoMinorVersionUpgrade": False,
            "monitoringIntervalSeconds": 60,
        },
        "cache": {"nodeType": "cache.t4g.small", "replicas": 1, "snapshotRetentionDays": 1,
                  "autoMinorVersionUpgrade": False},
        "buckets": {"accessLogsExpireDays": 90, "archiveToGlacierDays": 30,
                    "archiveExpireDays": 731},
        "backup": {"enabled": True, "retentionDays": 35},
        "cluster": {"preferSpot": False},
        "functionReservedConcurrency": None,
        "jobRetries": {"attempts": 2, "intervalSeconds": 60, "backoffRate": 2},
        "opsHost": {"enabled": False},
        "observability": {
            "evaluationPeriods": 3, "queryResultsExpireDays": 30,
            "thresholds": {
                "serverErrorsPercent": 10, "clientErrorsPercent": 30, "targetP95Seconds": 3,
                "rejectedConnections": 50, "tlsErrors": 100,
                "serviceCpuPercent": 90, "serviceMemoryPercent": 90,
                "databaseCpuPercent": 90, "databaseConnections": 200,
                "databaseFreeableMemoryMib": 128, "replicaLagMs": 2000,
                "cacheCpuPercent": 90, "cacheMemoryPercent": 90, "cacheEvictions": 1000,
                "wafBlockedRequests": 1000, "logErrors": 20, "logWarnings": 200,
                "functionErrors": 5,
            },
        },
        "edge": {"priceClass": "PriceClass_200", "deletionProtection": False,
                 "waf": {"rateLimit": 2000}},
        "pipeline": {"deploy": "blueGreen", "approval": True, "keepImages": 20,
                     "untaggedExpireDays": 7, "traffic": {"type": "canary"}},
    },
    "prd": {
        "protectStatefulResources": True,
        "logRetentionDays": 365,
        "network": {"natGateways": "perAz", "interfaceEndpoints": ALL_INTERFACE_ENDPOINTS},
        "database": {
            "minCapacity": 2, "maxCapacity": 16, "instances": 2, "backupRetentionDays": 30,
            "deletionProtection": True, "autoMinorVersionUpgrade": False,
            "monitoringIntervalSeconds": 60,
        },
        "cache": {"nodeType": "cache.r7g.large", "replicas": 1, "snapshotRetentionDays": 7,
                  "autoMinorVersionUpgrade": False},
        "buckets": {"accessLogsExpireDays": 90, "archiveToGlacierDays": 30,
                    "archiveExpireDays": 2557},
        "backup": {"enabled": True, "retentionDays": 35},
        "cluster": {"preferSpot": False},
        "functionReservedConcurrency": 10,
        "jobRetries": {"attempts": 2, "intervalSeconds": 60, "backoffRate": 2},
        "opsHost": {"enabled": True},
        "observability": {
            "evaluationPeriods": 2, "queryResultsExpireDays": 30,
            "thresholds": {
                "serverErrorsPercent": 2, "clientErrorsPercent": 20, "targetP95Seconds": 1.5,
                "rejectedConnections": 1, "tlsErrors": 50,
                "serviceCpuPercent": 80, "serviceMemoryPercent": 85,
                "databaseCpuPercent": 80, "databaseConnections": 500,
                "databaseFreeableMemoryMib": 512, "replicaLagMs": 1000,
                "cacheCpuPercent": 75, "cacheMemoryPercent": 80, "cacheEvictions": 100,
                "wafBlockedRequests": 500, "logErrors": 1, "logWarnings": 100,
                "functionErrors": 1,
            },
        },
        "edge": {"priceClass": "PriceClass_200", "deletionProtection": True,
                 "waf": {"rateLimit": 2000}},
        "pipeline": {"deploy": "blueGreen", "approval": True, "keepImages": 30,
                     "untaggedExpireDays": 7, "traffic": {"type": "canary"}},
    },
}  # fmt: skip
