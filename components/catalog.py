"""Every component of the platform: the layers and their building blocks."""

import pulumi

from components.account import CiRoles, SecurityBaseline, StateBackend
from components.compute import Compute
from components.compute.cluster import Cluster
from components.compute.function import Function
from components.compute.job import JobWorkflow
from components.compute.operators import Operators
from components.compute.ops_host import OpsHost
from components.compute.service import Service
from components.compute.task import Task
from components.data import Data
from components.data.backup import Backup
from components.data.bucket import Bucket
from components.data.cache import Cache
from components.data.database import Database
from components.data.parameters import Parameters
from components.data.proxy import DatabaseProxy
from components.data.storage import Storage
from components.data.tables import Tables
from components.edge import Edge
from components.edge.cdn import Cdn
from components.edge.certificates import Certificate
from components.edge.dns import Dns
from components.edge.firewall import Firewall
from components.edge.load_balancer import LoadBalancer
from components.foundation import Foundation
from components.foundation.alerts import Alerts
from components.foundation.keys import Keys
from components.network import Network
from components.observability import Observability
from components.observability.archive import LogArchive
from components.observability.search import LogSearch
from components.pipeline import Pipeline
from components.pipeline.build import Build
from components.pipeline.delivery import ServicePipeline
from components.pipeline.deploy import BlueGreen
from components.pipeline.repository import ImageRepository

LAYERS: list[type[pulumi.ComponentResource]] = [
    Foundation, Network, Data, Edge, Compute, Pipeline, Observability,
]  # fmt: skip
COMPONENTS: list[type[pulumi.ComponentResource]] = [
    *LAYERS,
    Keys,
    Alerts,
    Database,
    DatabaseProxy,
    Cache,
    Tables,
    Bucket,
    Storage,
    Parameters,
    Backup,
    Cluster,
    Task,
    Service,
    Function,
    JobWorkflow,
    OpsHost,
    Operators,
    LoadBalancer,
    Certificate,
    Cdn,
    Firewall,
    Dns,
    ImageRepository,
    Build,
    BlueGreen,
    ServicePipeline,
    LogArchive,
    LogSearch,
    StateBackend,
    CiRoles,
    SecurityBaseline,
]
