"""Day-two operations on a deployed stack: status, logs, parameters, one-off jobs, ECS Exec,
tunnels through the operation host, alarm tests and CDN invalidations.

Everything it knows about a stack comes from the stack's outputs (`ops.outputs`); everything
it does goes through boto3 with the usual credential chain (`ops.aws`).
"""
