//! Every namespace of YACE v0.67's list, as data (see the parent module for what a row means).
//! Rows were checked against AWS's documentation of each namespace's dimensions and ARN
//! format; `docs/catalog-sources.md` says what was checked where.

use super::{Arn, Namespace, ResourceType, Source};

const fn built(
    tag_type: &'static str,
    dimensions: &'static [&'static str],
    arn: &'static str,
) -> ResourceType {
    ResourceType {
        tag_type,
        dimensions,
        arn: Arn::Built(arn),
        unless: &[],
        suffixes: &[],
        transient: false,
    }
}

const fn tagged(
    tag_type: &'static str,
    dimensions: &'static [&'static str],
    regex: &'static str,
) -> ResourceType {
    ResourceType {
        tag_type,
        dimensions,
        arn: Arn::Tagged(regex),
        unless: &[],
        suffixes: &[],
        transient: false,
    }
}

const fn listed(
    tag_type: &'static str,
    dimensions: &'static [&'static str],
    source: Source,
    template: &'static str,
) -> ResourceType {
    ResourceType {
        tag_type,
        dimensions,
        arn: Arn::Listed {
            source,
            // The listing names its resources by the type's first dimension.
            key: dimensions[0],
            template,
        },
        unless: &[],
        suffixes: &[],
        transient: false,
    }
}

/// An ECS service, unless its `ServiceName` is an ECS Managed Daemon's (`daemon:<name>`): a
/// daemon is no service, and its series belong to the cluster.
const ECS_SERVICE: ResourceType = ResourceType {
    tag_type: "ecs:service",
    dimensions: &["ClusterName", "ServiceName"],
    arn: Arn::Built("arn:{partition}:ecs:{region}:{account}:service/{ClusterName}/{ServiceName}"),
    unless: &[("ServiceName", "daemon:")],
    suffixes: &[],
    transient: false,
};

/// An ECS task (enhanced observability's task- and container-level series): a new one at
/// every deployment and scaling step.
const ECS_TASK: ResourceType = ResourceType {
    tag_type: "ecs:task",
    dimensions: &["ClusterName", "TaskId"],
    arn: Arn::Built("arn:{partition}:ecs:{region}:{account}:task/{ClusterName}/{TaskId}"),
    unless: &[],
    suffixes: &[],
    transient: true,
};

// Types several namespaces share: Auto Scaling groups, the RDS engines' instances and clusters,
// ECS clusters, the network and gateway load balancers' target groups.
/// An Auto Scaling group (AWS/AutoScaling, and AWS/EC2's per-group aggregates).
const ASG: ResourceType = listed(
    "autoscaling:autoScalingGroup",
    &["AutoScalingGroupName"],
    Source::AutoScalingGroups,
    "{listed}",
);

const RDS_DB: ResourceType = built(
    "rds:db",
    &["DBInstanceIdentifier"],
    "arn:{partition}:rds:{region}:{account}:db:{DBInstanceIdentifier}",
);
const RDS_CLUSTER: ResourceType = built(
    "rds:cluster",
    &["DBClusterIdentifier"],
    "arn:{partition}:rds:{region}:{account}:cluster:{DBClusterIdentifier}",
);
const ECS_CLUSTER: ResourceType = built(
    "ecs:cluster",
    &["ClusterName"],
    "arn:{partition}:ecs:{region}:{account}:cluster/{ClusterName}",
);
const ELB_TARGET_GROUP: ResourceType = built(
    "elasticloadbalancing:targetgroup",
    &["LoadBalancer", "TargetGroup"],
    "arn:{partition}:elasticloadbalancing:{region}:{account}:{TargetGroup}",
);

/// Every namespace the exporter knows, in YACE's order.
pub static NAMESPACES: &[Namespace] = &[
    Namespace {
        namespace: "CWAgent",
        aliases: &["cwagent"],
        tag_filters: &[],
        resources: &[],
        base_dimensions: &[],
    },
    Namespace {
        namespace: "AWS/Usage",
        aliases: &["usage"],
        tag_filters: &[],
        resources: &[],
        base_dimensions: &[],
    },
    Namespace {
        namespace: "AWS/CertificateManager",
        aliases: &["acm"],
        tag_filters: &["acm:certificate"],
        resources: &[built(
            "acm:certificate",
            &["CertificateArn"],
            "{CertificateArn}",
        )],
        base_dimensions: &["CertificateArn"],
    },
    Namespace {
        namespace: "AWS/ACMPrivateCA",
        aliases: &["acm-pca"],
        tag_filters: &["acm-pca:certificate-authority"],
        resources: &[built(
            "acm-pca:certificate-authority",
            &["PrivateCAArn"],
            "{PrivateCAArn}",
        )],
        base_dimensions: &["PrivateCAArn"],
    },
    Namespace {
        namespace: "AmazonMWAA",
        aliases: &["airflow"],
        tag_filters: &["airflow"],
        resources: &[built(
            "airflow:environment",
            &["Environment"],
            "arn:{partition}:airflow:{region}:{account}:environment/{Environment}",
        )],
        base_dimensions: &["Environment"],
    },
    Namespace {
        namespace: "AWS/MWAA",
        aliases: &["mwaa"],
        tag_filters: &["airflow"],
        resources: &[built(
            "airflow:environment",
            &["Environment"],
            "arn:{partition}:airflow:{region}:{account}:environment/{Environment}",
        )],
        base_dimensions: &["Environment"],
    },
    Namespace {
        namespace: "AWS/ApplicationELB",
        aliases: &["alb"],
        tag_filters: &[
            "elasticloadbalancing:loadbalancer/app",
            "elasticloadbalancing:targetgroup",
        ],
        resources: &[
            built(
                "elasticloadbalancing:targetgroup",
                &["TargetGroup"],
                "arn:{partition}:elasticloadbalancing:{region}:{account}:{TargetGroup}",
            ),
            built(
                "elasticloadbalancing:loadbalancer/app",
                &["LoadBalancer"],
                "arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/{LoadBalancer}",
            ),
        ],
        base_dimensions: &["LoadBalancer"],
    },
    Namespace {
        namespace: "AWS/AppStream",
        aliases: &["appstream"],
        tag_filters: &["appstream"],
        resources: &[built(
            "appstream:fleet",
            &["Fleet"],
            "arn:{partition}:appstream:{region}:{account}:fleet/{Fleet}",
        )],
        base_dimensions: &["Fleet"],
    },
    Namespace {
        namespace: "AWS/Backup",
        aliases: &["backup"],
        tag_filters: &["backup"],
        resources: &[built(
            "backup:backup-vault",
            &["BackupVaultName"],
            "arn:{partition}:backup:{region}:{account}:backup-vault:{BackupVaultName}",
        )],
        base_dimensions: &["BackupVaultName"],
    },
    Namespace {
        namespace: "AWS/ApiGateway",
        aliases: &["apigateway"],
        tag_filters: &["apigateway"],
        resources: &[
            // REST APIs (v1): their series carry the API's name, their ARN its id.
            listed(
                "apigateway",
                &["ApiName", "Stage"],
                Source::ApiGatewayRestApis,
                "{listed}/stages/{Stage}",
            ),
            listed(
                "apigateway",
                &["ApiName"],
                Source::ApiGatewayRestApis,
                "{listed}",
            ),
            // HTTP and WebSocket APIs (v2): their series carry the id.
            built(
                "apigateway",
                &["ApiId", "Stage"],
                "arn:{partition}:apigateway:{region}::/apis/{ApiId}/stages/{Stage}",
            ),
            built(
                "apigateway",
                &["ApiId"],
                "arn:{partition}:apigateway:{region}::/apis/{ApiId}",
            ),
        ],
        base_dimensions: &["ApiId"],
    },
    Namespace {
        namespace: "AWS/AmazonMQ",
        aliases: &["mq"],
        tag_filters: &["mq"],
        // An ActiveMQ broker's series carry its name and `-1` (`-2`: the standby of an
        // active/standby pair), which its ARN does not.
        resources: &[ResourceType {
            suffixes: &["-1", "-2"],
            ..tagged("mq", &["Broker"], "broker:(?P<Broker>[^:]+)")
        }],
        base_dimensions: &["Broker"],
    },
    Namespace {
        namespace: "AWS/AppRunner",
        aliases: &["apprunner"],
        tag_filters: &["apprunner:service"],
        resources: &[built(
            "apprunner:service",
            &["ServiceID", "ServiceName"],
            "arn:{partition}:apprunner:{region}:{account}:service/{ServiceName}/{ServiceID}",
        )],
        base_dimensions: &["ServiceID", "ServiceName"],
    },
    Namespace {
        namespace: "AWS/AppSync",
        aliases: &["appsync"],
        tag_filters: &["appsync"],
        resources: &[built(
            "appsync",
            &["GraphQLAPIId"],
            "arn:{partition}:appsync:{region}:{account}:apis/{GraphQLAPIId}",
        )],
        base_dimensions: &["GraphQLAPIId"],
    },
    Namespace {
        namespace: "AWS/Athena",
        aliases: &["athena"],
        tag_filters: &["athena"],
        resources: &[
            built(
                "athena:capacity-reservation",
                &["Capacity Reservation"],
                "arn:{partition}:athena:{region}:{account}:capacity-reservation/{Capacity Reservation}",
            ),
            built(
                "athena:workgroup",
                &["WorkGroup"],
                "arn:{partition}:athena:{region}:{account}:workgroup/{WorkGroup}",
            ),
        ],
        base_dimensions: &["WorkGroup"],
    },
    Namespace {
        namespace: "AWS/AutoScaling",
        aliases: &["asg"],
        // A group's ARN holds a UUID, and the tagging API lists no Auto Scaling groups (AWS
        // documents it): groups and their tags come from DescribeAutoScalingGroups, as in YACE.
        tag_filters: &[],
        resources: &[ASG],
        base_dimensions: &["AutoScalingGroupName"],
    },
    Namespace {
        namespace: "AWS/ElasticBeanstalk",
        aliases: &["beanstalk"],
        tag_filters: &["elasticbeanstalk:environment"],
        resources: &[tagged(
            "elasticbeanstalk:environment",
            &["EnvironmentName"],
            "environment/[^/]+/(?P<EnvironmentName>[^/]+)$",
        )],
        base_dimensions: &["EnvironmentName"],
    },
    Namespace {
        namespace: "AWS/Billing",
        aliases: &["billing"],
        tag_filters: &[],
        resources: &[],
        base_dimensions: &[],
    },
    Namespace {
        namespace: "AWS/Cassandra",
        aliases: &["cassandra"],
        tag_filters: &["cassandra"],
        resources: &[
            built(
                "cassandra",
                &["Keyspace", "TableName"],
                "arn:{partition}:cassandra:{region}:{account}:/keyspace/{Keyspace}/table/{TableName}",
            ),
            built(
                "cassandra",
                &["Keyspace"],
                "arn:{partition}:cassandra:{region}:{account}:/keyspace/{Keyspace}/",
            ),
        ],
        base_dimensions: &["Keyspace", "TableName"],
    },
    Namespace {
        namespace: "AWS/CloudFront",
        aliases: &["cloudfront"],
        tag_filters: &["cloudfront:distribution"],
        resources: &[
            built(
                "cloudfront:function",
                &["DistributionId", "FunctionName"],
                "arn:{partition}:cloudfront::{account}:function/{FunctionName}",
            ),
            built(
                "cloudfront:distribution",
                &["DistributionId"],
                "arn:{partition}:cloudfront::{account}:distribution/{DistributionId}",
            ),
        ],
        base_dimensions: &["DistributionId"],
    },
    Namespace {
        namespace: "AWS/Cognito",
        aliases: &["cognito-idp"],
        tag_filters: &["cognito-idp:userpool"],
        resources: &[
            built(
                "cognito-idp:userpool",
                &["UserPool"],
                "arn:{partition}:cognito-idp:{region}:{account}:userpool/{UserPool}",
            ),
            built(
                "cognito-idp:userpool",
                &["UserPoolId"],
                "arn:{partition}:cognito-idp:{region}:{account}:userpool/{UserPoolId}",
            ),
        ],
        base_dimensions: &["UserPool"],
    },
    Namespace {
        namespace: "AWS/DataSync",
        aliases: &["datasync"],
        tag_filters: &["datasync:task", "datasync:agent"],
        resources: &[
            built(
                "datasync:task",
                &["TaskId"],
                "arn:{partition}:datasync:{region}:{account}:task/{TaskId}",
            ),
            built(
                "datasync:agent",
                &["AgentId"],
                "arn:{partition}:datasync:{region}:{account}:agent/{AgentId}",
            ),
        ],
        base_dimensions: &["TaskId"],
    },
    Namespace {
        namespace: "AWS/DirectoryService",
        aliases: &["ds"],
        tag_filters: &["ds:directory"],
        resources: &[built(
            "ds:directory",
            &["Directory ID"],
            "arn:{partition}:ds:{region}:{account}:directory/{Directory ID}",
        )],
        base_dimensions: &["Directory ID"],
    },
    Namespace {
        namespace: "AWS/DMS",
        aliases: &["dms"],
        tag_filters: &["dms"],
        resources: &[
            listed(
                "dms:task",
                &["ReplicationTaskIdentifier", "ReplicationInstanceIdentifier"],
                Source::DmsReplicationTasks,
                "{listed}",
            ),
            listed(
                "dms:rep",
                &["ReplicationInstanceIdentifier"],
                Source::DmsReplicationInstances,
                "{listed}",
            ),
        ],
        base_dimensions: &["ReplicationInstanceIdentifier"],
    },
    Namespace {
        namespace: "AWS/DDoSProtection",
        aliases: &["shield"],
        tag_filters: &["shield:protection"],
        resources: &[built("", &["ResourceArn"], "{ResourceArn}")],
        base_dimensions: &["ResourceArn"],
    },
    Namespace {
        namespace: "AWS/DocDB",
        aliases: &["docdb"],
        tag_filters: &["rds:db", "rds:cluster"],
        resources: &[RDS_DB, RDS_CLUSTER],
        base_dimensions: &["DBClusterIdentifier"],
    },
    Namespace {
        namespace: "AWS/DX",
        aliases: &["dx"],
        tag_filters: &["directconnect"],
        resources: &[
            built(
                "directconnect:dxvif",
                &["VirtualInterfaceId"],
                "arn:{partition}:directconnect:{region}:{account}:dxvif/{VirtualInterfaceId}",
            ),
            // A LAG's series (ConnectionEncryptionState) carry its id as `ConnectionId`.
            ResourceType {
                unless: &[("ConnectionId", "dxcon-")],
                ..built(
                    "directconnect:dxlag",
                    &["ConnectionId"],
                    "arn:{partition}:directconnect:{region}:{account}:dxlag/{ConnectionId}",
                )
            },
            built(
                "directconnect:dxcon",
                &["ConnectionId"],
                "arn:{partition}:directconnect:{region}:{account}:dxcon/{ConnectionId}",
            ),
        ],
        base_dimensions: &["ConnectionId"],
    },
    Namespace {
        namespace: "AWS/DynamoDB",
        aliases: &["dynamodb"],
        tag_filters: &["dynamodb:table"],
        resources: &[built(
            "dynamodb:table",
            &["TableName"],
            "arn:{partition}:dynamodb:{region}:{account}:table/{TableName}",
        )],
        base_dimensions: &["TableName"],
    },
    Namespace {
        namespace: "AWS/EBS",
        aliases: &["ebs"],
        tag_filters: &["ec2:volume"],
        resources: &[
            built(
                "ec2:volume",
                &["VolumeId"],
                "arn:{partition}:ec2:{region}:{account}:volume/{VolumeId}",
            ),
            built(
                "ec2:snapshot",
                &["SnapshotId"],
                "arn:{partition}:ec2:{region}::snapshot/{SnapshotId}",
            ),
        ],
        base_dimensions: &["VolumeId"],
    },
    Namespace {
        namespace: "AWS/ElastiCache",
        aliases: &["ec"],
        tag_filters: &["elasticache:cluster", "elasticache:serverlesscache"],
        resources: &[
            built(
                "elasticache:cluster",
                &["CacheClusterId"],
                "arn:{partition}:elasticache:{region}:{account}:cluster:{CacheClusterId}",
            ),
            built(
                "elasticache:replicationgroup",
                &["ReplicationGroupId"],
                "arn:{partition}:elasticache:{region}:{account}:replicationgroup:{ReplicationGroupId}",
            ),
            built(
                "elasticache:serverlesscache",
                &["clusterId"],
                "arn:{partition}:elasticache:{region}:{account}:serverlesscache:{clusterId}",
            ),
        ],
        base_dimensions: &["CacheClusterId"],
    },
    Namespace {
        namespace: "AWS/MemoryDB",
        aliases: &["memorydb"],
        tag_filters: &["memorydb:cluster"],
        resources: &[built(
            "memorydb:cluster",
            &["ClusterName"],
            "arn:{partition}:memorydb:{region}:{account}:cluster/{ClusterName}",
        )],
        base_dimensions: &["ClusterName"],
    },
    Namespace {
        namespace: "AWS/EC2",
        aliases: &["ec2"],
        tag_filters: &["ec2:instance"],
        resources: &[
            built(
                "ec2:instance",
                &["InstanceId"],
                "arn:{partition}:ec2:{region}:{account}:instance/{InstanceId}",
            ),
            // The group's aggregate series (not in YACE, which drops them).
            ASG,
            built(
                "ec2:image",
                &["ImageId"],
                "arn:{partition}:ec2:{region}::image/{ImageId}",
            ),
            built(
                "ec2:dedicated-host",
                &["HostId"],
                "arn:{partition}:ec2:{region}:{account}:dedicated-host/{HostId}",
            ),
        ],
        base_dimensions: &["InstanceId"],
    },
    Namespace {
        namespace: "AWS/EC2Spot",
        aliases: &["ec2Spot"],
        tag_filters: &["ec2:spot-fleet-request"],
        resources: &[built(
            "ec2:spot-fleet-request",
            &["FleetRequestId"],
            "arn:{partition}:ec2:{region}:{account}:spot-fleet-request/{FleetRequestId}",
        )],
        base_dimensions: &["FleetRequestId"],
    },
    Namespace {
        namespace: "AWS/EC2CapacityReservations",
        aliases: &["ec2CapacityReservations"],
        tag_filters: &["ec2:capacity-reservation"],
        resources: &[built(
            "ec2:capacity-reservation",
            &["CapacityReservationId"],
            "arn:{partition}:ec2:{region}:{account}:capacity-reservation/{CapacityReservationId}",
        )],
        base_dimensions: &["CapacityReservationId"],
    },
    Namespace {
        namespace: "AWS/ECS",
        aliases: &["ecs-svc"],
        tag_filters: &["ecs:cluster", "ecs:service"],
        resources: &[ECS_SERVICE, ECS_CLUSTER],
        base_dimensions: &["ClusterName"],
    },
    Namespace {
        namespace: "ECS/ContainerInsights",
        aliases: &["ecs-containerinsights"],
        tag_filters: &["ecs:cluster", "ecs:service"],
        resources: &[
            ECS_TASK,
            built(
                "ecs:container-instance",
                &["ClusterName", "ContainerInstanceId"],
                "arn:{partition}:ecs:{region}:{account}:container-instance/{ClusterName}/{ContainerInstanceId}",
            ),
            built(
                "ecs:capacity-provider",
                &["CapacityProviderName", "ClusterName"],
                "arn:{partition}:ecs:{region}:{account}:capacity-provider/{CapacityProviderName}",
            ),
            ECS_SERVICE,
            ECS_CLUSTER,
        ],
        base_dimensions: &["ClusterName"],
    },
    Namespace {
        namespace: "ContainerInsights",
        aliases: &["containerinsights"],
        tag_filters: &["eks:cluster"],
        resources: &[
            built(
                "ec2:instance",
                &["ClusterName", "InstanceId", "NodeName"],
                "arn:{partition}:ec2:{region}:{account}:instance/{InstanceId}",
            ),
            built(
                "eks:cluster",
                &["ClusterName"],
                "arn:{partition}:eks:{region}:{account}:cluster/{ClusterName}",
            ),
        ],
        base_dimensions: &["ClusterName"],
    },
    Namespace {
        namespace: "AWS/EFS",
        aliases: &["efs"],
        tag_filters: &["elasticfilesystem:file-system"],
        resources: &[built(
            "elasticfilesystem:file-system",
            &["FileSystemId"],
            "arn:{partition}:elasticfilesystem:{region}:{account}:file-system/{FileSystemId}",
        )],
        base_dimensions: &["FileSystemId"],
    },
    Namespace {
        namespace: "AWS/EKS",
        aliases: &["eks"],
        tag_filters: &["eks:cluster"],
        resources: &[built(
            "eks:cluster",
            &["ClusterName"],
            "arn:{partition}:eks:{region}:{account}:cluster/{ClusterName}",
        )],
        base_dimensions: &["ClusterName"],
    },
    Namespace {
        namespace: "AWS/ELB",
        aliases: &["elb"],
        tag_filters: &["elasticloadbalancing:loadbalancer"],
        resources: &[built(
            "elasticloadbalancing:loadbalancer",
            &["LoadBalancerName"],
            "arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/{LoadBalancerName}",
        )],
        base_dimensions: &["LoadBalancerName"],
    },
    Namespace {
        namespace: "AWS/ElasticMapReduce",
        aliases: &["emr"],
        tag_filters: &["elasticmapreduce:cluster"],
        resources: &[built(
            "elasticmapreduce:cluster",
            &["JobFlowId"],
            "arn:{partition}:elasticmapreduce:{region}:{account}:cluster/{JobFlowId}",
        )],
        base_dimensions: &["JobFlowId"],
    },
    Namespace {
        namespace: "AWS/EMRServerless",
        aliases: &["emr-serverless"],
        tag_filters: &["emr-serverless:applications"],
        resources: &[built(
            "emr-serverless:applications",
            &["ApplicationId"],
            "arn:{partition}:emr-serverless:{region}:{account}:/applications/{ApplicationId}",
        )],
        base_dimensions: &["ApplicationId"],
    },
    Namespace {
        namespace: "AWS/ES",
        aliases: &["es"],
        tag_filters: &["es:domain"],
        resources: &[built(
            "es:domain",
            &["ClientId", "DomainName"],
            "arn:{partition}:es:{region}:{account}:domain/{DomainName}",
        )],
        base_dimensions: &["ClientId", "DomainName"],
    },
    Namespace {
        namespace: "AWS/Firehose",
        aliases: &["firehose"],
        tag_filters: &["firehose"],
        resources: &[built(
            "firehose:deliverystream",
            &["DeliveryStreamName"],
            "arn:{partition}:firehose:{region}:{account}:deliverystream/{DeliveryStreamName}",
        )],
        base_dimensions: &["DeliveryStreamName"],
    },
    Namespace {
        namespace: "AWS/FSx",
        aliases: &["fsx"],
        tag_filters: &["fsx:file-system"],
        resources: &[
            built(
                "fsx:volume",
                &["FileSystemId", "VolumeId"],
                "arn:{partition}:fsx:{region}:{account}:volume/{FileSystemId}/{VolumeId}",
            ),
            built(
                "fsx:file-system",
                &["FileSystemId"],
                "arn:{partition}:fsx:{region}:{account}:file-system/{FileSystemId}",
            ),
        ],
        base_dimensions: &["FileSystemId"],
    },
    Namespace {
        namespace: "AWS/GameLift",
        aliases: &["gamelift"],
        tag_filters: &["gamelift"],
        resources: &[
            built(
                "gamelift:fleet",
                &["FleetId"],
                "arn:{partition}:gamelift:{region}:{account}:fleet/{FleetId}",
            ),
            built(
                "gamelift:gamesessionqueue",
                &["QueueName"],
                "arn:{partition}:gamelift:{region}:{account}:gamesessionqueue/{QueueName}",
            ),
            // AWS's guide spells it both ways, in two of its versions.
            built(
                "gamelift:matchmakingconfiguration",
                &["MatchmakingConfigurationName"],
                "arn:{partition}:gamelift:{region}:{account}:matchmakingconfiguration/{MatchmakingConfigurationName}",
            ),
            built(
                "gamelift:matchmakingconfiguration",
                &["ConfigurationName"],
                "arn:{partition}:gamelift:{region}:{account}:matchmakingconfiguration/{ConfigurationName}",
            ),
        ],
        base_dimensions: &["FleetId"],
    },
    Namespace {
        namespace: "AWS/GatewayELB",
        aliases: &["gwlb"],
        tag_filters: &["elasticloadbalancing:loadbalancer"],
        resources: &[
            ELB_TARGET_GROUP,
            built(
                "elasticloadbalancing:loadbalancer",
                &["LoadBalancer"],
                "arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/{LoadBalancer}",
            ),
        ],
        base_dimensions: &["LoadBalancer"],
    },
    Namespace {
        namespace: "AWS/GlobalAccelerator",
        aliases: &["ga"],
        tag_filters: &["globalaccelerator"],
        resources: &[
            built(
                "",
                &["Accelerator", "Listener"],
                "arn:{partition}:globalaccelerator::{account}:accelerator/{Accelerator}/listener/{Listener}",
            ),
            built(
                "globalaccelerator:accelerator",
                &["Accelerator"],
                "arn:{partition}:globalaccelerator::{account}:accelerator/{Accelerator}",
            ),
        ],
        base_dimensions: &["Accelerator"],
    },
    Namespace {
        namespace: "Glue",
        aliases: &["glue"],
        tag_filters: &["glue:job"],
        resources: &[built(
            "glue:job",
            &["JobName"],
            "arn:{partition}:glue:{region}:{account}:job/{JobName}",
        )],
        base_dimensions: &["JobName"],
    },
    Namespace {
        namespace: "AWS/IoT",
        aliases: &["iot"],
        tag_filters: &["iot:rule", "iot:provisioningtemplate"],
        resources: &[
            built(
                "iot:rule",
                &["RuleName"],
                "arn:{partition}:iot:{region}:{account}:rule/{RuleName}",
            ),
            built(
                "iot:provisioningtemplate",
                &["TemplateName"],
                "arn:{partition}:iot:{region}:{account}:provisioningtemplate/{TemplateName}",
            ),
        ],
        base_dimensions: &["RuleName"],
    },
    Namespace {
        namespace: "AWS/Kafka",
        aliases: &["kafka"],
        tag_filters: &["kafka:cluster"],
        resources: &[tagged(
            "kafka:cluster",
            &["Cluster Name"],
            ":cluster/(?P<Cluster_Name>[^/]+)/[^/]+$",
        )],
        base_dimensions: &["Cluster Name"],
    },
    Namespace {
        namespace: "AWS/KafkaConnect",
        aliases: &["kafkaconnect"],
        // YACE's filter (`kafka:cluster`) never lists a connector, and a connector's ARN holds
        // an opaque id: its series are `global`.
        tag_filters: &["kafka:cluster"],
        resources: &[],
        base_dimensions: &[],
    },
    Namespace {
        namespace: "AWS/Kinesis",
        aliases: &["kinesis"],
        tag_filters: &["kinesis:stream"],
        resources: &[built(
            "kinesis:stream",
            &["StreamName"],
            "arn:{partition}:kinesis:{region}:{account}:stream/{StreamName}",
        )],
        base_dimensions: &["StreamName"],
    },
    Namespace {
        namespace: "AWS/KinesisAnalytics",
        aliases: &["kinesis-analytics"],
        tag_filters: &["kinesisanalytics:application"],
        resources: &[built(
            "kinesisanalytics:application",
            &["Application"],
            "arn:{partition}:kinesisanalytics:{region}:{account}:application/{Application}",
        )],
        base_dimensions: &["Application"],
    },
    Namespace {
        namespace: "AWS/KMS",
        aliases: &["kms"],
        tag_filters: &["kms:key"],
        resources: &[built(
            "kms:key",
            &["KeyId"],
            "arn:{partition}:kms:{region}:{account}:key/{KeyId}",
        )],
        base_dimensions: &["KeyId"],
    },
    Namespace {
        namespace: "AWS/Lambda",
        aliases: &["lambda"],
        tag_filters: &["lambda:function"],
        resources: &[built(
            "lambda:function",
            &["FunctionName"],
            "arn:{partition}:lambda:{region}:{account}:function:{FunctionName}",
        )],
        base_dimensions: &["FunctionName"],
    },
    Namespace {
        namespace: "AWS/Logs",
        aliases: &["logs"],
        tag_filters: &["logs:log-group"],
        resources: &[built(
            "logs:log-group",
            &["LogGroupName"],
            "arn:{partition}:logs:{region}:{account}:log-group:{LogGroupName}",
        )],
        base_dimensions: &["LogGroupName"],
    },
    Namespace {
        namespace: "AWS/MediaConnect",
        aliases: &["mediaconnect"],
        tag_filters: &[
            "mediaconnect:flow",
            "mediaconnect:source",
            "mediaconnect:output",
        ],
        resources: &[
            built("mediaconnect:output", &["OutputARN"], "{OutputARN}"),
            built("mediaconnect:source", &["SourceARN"], "{SourceARN}"),
            built("mediaconnect:flow", &["FlowARN"], "{FlowARN}"),
        ],
        base_dimensions: &["FlowARN"],
    },
    Namespace {
        namespace: "AWS/MediaConvert",
        aliases: &["mediaconvert"],
        tag_filters: &["mediaconvert"],
        resources: &[built("mediaconvert:queues", &["Queue"], "{Queue}")],
        base_dimensions: &["Queue"],
    },
    Namespace {
        namespace: "AWS/MediaPackage",
        aliases: &["mediapackage"],
        tag_filters: &["mediapackage", "mediapackagev2", "mediapackage-vod"],
        resources: &[built(
            "mediapackage-vod:packaging-configurations",
            &["PackagingConfiguration"],
            "arn:{partition}:mediapackage-vod:{region}:{account}:packaging-configurations/{PackagingConfiguration}",
        )],
        base_dimensions: &["PackagingConfiguration"],
    },
    Namespace {
        namespace: "AWS/MediaLive",
        aliases: &["medialive"],
        tag_filters: &["medialive:channel"],
        resources: &[built(
            "medialive:channel",
            &["ChannelId"],
            "arn:{partition}:medialive:{region}:{account}:channel:{ChannelId}",
        )],
        base_dimensions: &["ChannelId"],
    },
    Namespace {
        namespace: "AWS/MediaTailor",
        aliases: &["mediatailor"],
        tag_filters: &["mediatailor:playbackConfiguration"],
        resources: &[built(
            "mediatailor:playbackConfiguration",
            &["ConfigurationName"],
            "arn:{partition}:mediatailor:{region}:{account}:playbackConfiguration/{ConfigurationName}",
        )],
        base_dimensions: &["ConfigurationName"],
    },
    Namespace {
        namespace: "AWS/Neptune",
        aliases: &["neptune"],
        tag_filters: &["rds:db", "rds:cluster"],
        resources: &[RDS_DB, RDS_CLUSTER],
        base_dimensions: &["DBInstanceIdentifier"],
    },
    Namespace {
        namespace: "AWS/NetworkFirewall",
        aliases: &["nfw"],
        tag_filters: &["network-firewall:firewall"],
        resources: &[built(
            "network-firewall:firewall",
            &["FirewallName"],
            "arn:{partition}:network-firewall:{region}:{account}:firewall/{FirewallName}",
        )],
        base_dimensions: &["FirewallName"],
    },
    Namespace {
        namespace: "AWS/NATGateway",
        aliases: &["ngw"],
        tag_filters: &["ec2:natgateway"],
        resources: &[built(
            "ec2:natgateway",
            &["NatGatewayId"],
            "arn:{partition}:ec2:{region}:{account}:natgateway/{NatGatewayId}",
        )],
        base_dimensions: &["NatGatewayId"],
    },
    Namespace {
        namespace: "AWS/NetworkELB",
        aliases: &["nlb"],
        tag_filters: &[
            "elasticloadbalancing:loadbalancer/net",
            "elasticloadbalancing:targetgroup",
        ],
        resources: &[
            ELB_TARGET_GROUP,
            built(
                "elasticloadbalancing:loadbalancer/net",
                &["LoadBalancer"],
                "arn:{partition}:elasticloadbalancing:{region}:{account}:loadbalancer/{LoadBalancer}",
            ),
        ],
        base_dimensions: &["LoadBalancer"],
    },
    Namespace {
        namespace: "AWS/PrivateLinkEndpoints",
        aliases: &["vpc-endpoint"],
        tag_filters: &["ec2:vpc-endpoint"],
        resources: &[built(
            "ec2:vpc-endpoint",
            &["VPC Endpoint Id"],
            "arn:{partition}:ec2:{region}:{account}:vpc-endpoint/{VPC Endpoint Id}",
        )],
        base_dimensions: &["VPC Endpoint Id"],
    },
    Namespace {
        namespace: "AWS/PrivateLinkServices",
        aliases: &["vpc-endpoint-service"],
        tag_filters: &["ec2:vpc-endpoint-service"],
        resources: &[built(
            "ec2:vpc-endpoint-service",
            &["Service Id"],
            "arn:{partition}:ec2:{region}:{account}:vpc-endpoint-service/{Service Id}",
        )],
        base_dimensions: &["Service Id"],
    },
    Namespace {
        namespace: "AWS/Prometheus",
        aliases: &["amp"],
        tag_filters: &["aps:workspace"],
        resources: &[
            built(
                "aps:anomalydetector",
                &["WorkspaceId", "AnomalyDetectorId"],
                "arn:{partition}:aps:{region}:{account}:anomalydetector/{WorkspaceId}/{AnomalyDetectorId}",
            ),
            built(
                "aps:workspace",
                &["WorkspaceId"],
                "arn:{partition}:aps:{region}:{account}:workspace/{WorkspaceId}",
            ),
            // Public usage spells it both ways; AWS's page does not say.
            built(
                "aps:workspace",
                &["Workspace"],
                "arn:{partition}:aps:{region}:{account}:workspace/{Workspace}",
            ),
        ],
        base_dimensions: &["WorkspaceId"],
    },
    Namespace {
        namespace: "AWS/QLDB",
        aliases: &["qldb"],
        tag_filters: &["qldb"],
        resources: &[built(
            "qldb:ledger",
            &["LedgerName"],
            "arn:{partition}:qldb:{region}:{account}:ledger/{LedgerName}",
        )],
        base_dimensions: &["LedgerName"],
    },
    Namespace {
        namespace: "AWS/QuickSight",
        aliases: &["quicksight"],
        tag_filters: &[],
        resources: &[
            built(
                "quicksight:dashboard",
                &["DashboardId"],
                "arn:{partition}:quicksight:{region}:{account}:dashboard/{DashboardId}",
            ),
            built(
                "quicksight:dataset",
                &["DatasetId"],
                "arn:{partition}:quicksight:{region}:{account}:dataset/{DatasetId}",
            ),
        ],
        base_dimensions: &["DashboardId"],
    },
    Namespace {
        namespace: "AWS/RDS",
        aliases: &["rds"],
        tag_filters: &["rds:db", "rds:cluster", "rds:db-proxy"],
        resources: &[RDS_DB, RDS_CLUSTER],
        base_dimensions: &["DBInstanceIdentifier"],
    },
    Namespace {
        namespace: "AWS/Redshift",
        aliases: &["redshift"],
        tag_filters: &["redshift:cluster"],
        resources: &[built(
            "redshift:cluster",
            &["ClusterIdentifier"],
            "arn:{partition}:redshift:{region}:{account}:cluster:{ClusterIdentifier}",
        )],
        base_dimensions: &["ClusterIdentifier"],
    },
    Namespace {
        namespace: "AWS/Redshift-Serverless",
        aliases: &["redshift"],
        tag_filters: &[
            "redshift-serverless:workgroup",
            "redshift-serverless:namespace",
        ],
        resources: &[],
        base_dimensions: &[],
    },
    Namespace {
        namespace: "AWS/Route53Resolver",
        aliases: &["route53-resolver"],
        tag_filters: &["route53resolver"],
        resources: &[
            built(
                "route53resolver:firewall-rule-group",
                &["FirewallRuleGroupId"],
                "arn:{partition}:route53resolver:{region}:{account}:firewall-rule-group/{FirewallRuleGroupId}",
            ),
            built(
                "route53resolver:resolver-endpoint",
                &["EndpointId"],
                "arn:{partition}:route53resolver:{region}:{account}:resolver-endpoint/{EndpointId}",
            ),
            built(
                "ec2:vpc",
                &["VpcId"],
                "arn:{partition}:ec2:{region}:{account}:vpc/{VpcId}",
            ),
        ],
        base_dimensions: &["EndpointId"],
    },
    Namespace {
        namespace: "AWS/Route53",
        aliases: &["route53"],
        tag_filters: &["route53"],
        resources: &[
            built(
                "route53:healthcheck",
                &["HealthCheckId"],
                "arn:{partition}:route53:::healthcheck/{HealthCheckId}",
            ),
            built(
                "route53:hostedzone",
                &["HostedZoneId"],
                "arn:{partition}:route53:::hostedzone/{HostedZoneId}",
            ),
        ],
        base_dimensions: &["HealthCheckId"],
    },
    Namespace {
        namespace: "AWS/RUM",
        aliases: &["rum"],
        tag_filters: &["rum:appmonitor"],
        resources: &[built(
            "rum:appmonitor",
            &["application_name"],
            "arn:{partition}:rum:{region}:{account}:appmonitor/{application_name}",
        )],
        base_dimensions: &["application_name"],
    },
    Namespace {
        namespace: "AWS/S3",
        aliases: &["s3"],
        tag_filters: &["s3"],
        resources: &[
            built("s3", &["BucketName"], "arn:{partition}:s3:::{BucketName}"),
            built(
                "s3",
                &["SourceBucket"],
                "arn:{partition}:s3:::{SourceBucket}",
            ),
        ],
        base_dimensions: &["BucketName"],
    },
    Namespace {
        namespace: "AWS/Scheduler",
        aliases: &["scheduler"],
        tag_filters: &["scheduler:schedule-group"],
        resources: &[built(
            "scheduler:schedule-group",
            &["ScheduleGroup"],
            "arn:{partition}:scheduler:{region}:{account}:schedule-group/{ScheduleGroup}",
        )],
        base_dimensions: &["ScheduleGroup"],
    },
    Namespace {
        namespace: "AWS/ECR",
        aliases: &["ecr"],
        tag_filters: &["ecr:repository"],
        resources: &[built(
            "ecr:repository",
            &["RepositoryName"],
            "arn:{partition}:ecr:{region}:{account}:repository/{RepositoryName}",
        )],
        base_dimensions: &["RepositoryName"],
    },
    Namespace {
        namespace: "AWS/Timestream",
        aliases: &["timestream"],
        tag_filters: &["timestream"],
        resources: &[
            built(
                "timestream:table",
                &["DatabaseName", "TableName"],
                "arn:{partition}:timestream:{region}:{account}:database/{DatabaseName}/table/{TableName}",
            ),
            built(
                "timestream:database",
                &["DatabaseName"],
                "arn:{partition}:timestream:{region}:{account}:database/{DatabaseName}",
            ),
        ],
        base_dimensions: &["DatabaseName", "TableName"],
    },
    Namespace {
        namespace: "AWS/SecretsManager",
        aliases: &["secretsmanager"],
        tag_filters: &[],
        resources: &[],
        base_dimensions: &[],
    },
    Namespace {
        namespace: "AWS/SES",
        aliases: &["ses"],
        tag_filters: &[],
        resources: &[],
        base_dimensions: &[],
    },
    Namespace {
        namespace: "AWS/States",
        aliases: &["sfn"],
        tag_filters: &["states"],
        resources: &[
            built(
                "states:stateMachine",
                &["StateMachineArn"],
                "{StateMachineArn}",
            ),
            built("states:activity", &["ActivityArn"], "{ActivityArn}"),
            built(
                "lambda:function",
                &["LambdaFunctionArn"],
                "{LambdaFunctionArn}",
            ),
        ],
        base_dimensions: &["StateMachineArn"],
    },
    Namespace {
        namespace: "AWS/SNS",
        aliases: &["sns"],
        tag_filters: &["sns"],
        resources: &[built(
            "sns",
            &["TopicName"],
            "arn:{partition}:sns:{region}:{account}:{TopicName}",
        )],
        base_dimensions: &["TopicName"],
    },
    Namespace {
        namespace: "AWS/SQS",
        aliases: &["sqs"],
        tag_filters: &["sqs"],
        resources: &[built(
            "sqs",
            &["QueueName"],
            "arn:{partition}:sqs:{region}:{account}:{QueueName}",
        )],
        base_dimensions: &["QueueName"],
    },
    Namespace {
        namespace: "AWS/StorageGateway",
        aliases: &["storagegateway"],
        tag_filters: &["storagegateway"],
        resources: &[
            built(
                "storagegateway:share",
                &["ShareId"],
                "arn:{partition}:storagegateway:{region}:{account}:share/{ShareId}",
            ),
            tagged(
                "storagegateway:gateway",
                &["VolumeId"],
                ":gateway/[^/]+/volume/(?P<VolumeId>[^/]+)$",
            ),
            built(
                "storagegateway:gateway",
                &["GatewayId"],
                "arn:{partition}:storagegateway:{region}:{account}:gateway/{GatewayId}",
            ),
        ],
        base_dimensions: &["GatewayId"],
    },
    Namespace {
        namespace: "AWS/Transfer",
        aliases: &["transfer"],
        tag_filters: &["transfer:certificate", "transfer:server"],
        resources: &[
            built(
                "transfer:server",
                &["ServerId"],
                "arn:{partition}:transfer:{region}:{account}:server/{ServerId}",
            ),
            built(
                "transfer:certificate",
                &["CertificateId"],
                "arn:{partition}:transfer:{region}:{account}:certificate/{CertificateId}",
            ),
        ],
        base_dimensions: &["ServerId"],
    },
    Namespace {
        namespace: "AWS/TransitGateway",
        aliases: &["tgw"],
        tag_filters: &["ec2:transit-gateway"],
        resources: &[
            built(
                "ec2:transit-gateway-attachment",
                &["TransitGateway", "TransitGatewayAttachment"],
                "arn:{partition}:ec2:{region}:{account}:transit-gateway-attachment/{TransitGatewayAttachment}",
            ),
            built(
                "ec2:transit-gateway",
                &["TransitGateway"],
                "arn:{partition}:ec2:{region}:{account}:transit-gateway/{TransitGateway}",
            ),
        ],
        base_dimensions: &["TransitGateway"],
    },
    Namespace {
        namespace: "AWS/TrustedAdvisor",
        aliases: &["trustedadvisor"],
        tag_filters: &[],
        resources: &[],
        base_dimensions: &[],
    },
    Namespace {
        namespace: "AWS/VPN",
        aliases: &["vpn"],
        tag_filters: &["ec2:vpn-connection"],
        resources: &[built(
            "ec2:vpn-connection",
            &["VpnId"],
            "arn:{partition}:ec2:{region}:{account}:vpn-connection/{VpnId}",
        )],
        base_dimensions: &["VpnId"],
    },
    Namespace {
        namespace: "AWS/ClientVPN",
        aliases: &["clientvpn"],
        tag_filters: &["ec2:client-vpn-endpoint"],
        resources: &[built(
            "ec2:client-vpn-endpoint",
            &["Endpoint"],
            "arn:{partition}:ec2:{region}:{account}:client-vpn-endpoint/{Endpoint}",
        )],
        base_dimensions: &["Endpoint"],
    },
    Namespace {
        namespace: "AWS/WAFV2",
        aliases: &["wafv2"],
        tag_filters: &["wafv2"],
        resources: &[
            tagged("wafv2", &["WebACL"], "/webacl/(?P<WebACL>[^/]+)/[^/]+$"),
            tagged(
                "wafv2",
                &["RuleGroup"],
                "/rulegroup/(?P<RuleGroup>[^/]+)/[^/]+$",
            ),
        ],
        base_dimensions: &["WebACL"],
    },
    Namespace {
        namespace: "AWS/WorkSpaces",
        aliases: &["workspaces"],
        tag_filters: &["workspaces:workspace", "workspaces:directory"],
        resources: &[
            built(
                "workspaces:workspace",
                &["WorkspaceId"],
                "arn:{partition}:workspaces:{region}:{account}:workspace/{WorkspaceId}",
            ),
            built(
                "workspaces:directory",
                &["DirectoryId"],
                "arn:{partition}:workspaces:{region}:{account}:directory/{DirectoryId}",
            ),
        ],
        base_dimensions: &["WorkspaceId"],
    },
    Namespace {
        namespace: "AWS/AOSS",
        aliases: &["aoss"],
        tag_filters: &["aoss:collection"],
        resources: &[built(
            "aoss:collection",
            &["CollectionId"],
            "arn:{partition}:aoss:{region}:{account}:collection/{CollectionId}",
        )],
        base_dimensions: &["CollectionId"],
    },
    Namespace {
        namespace: "AWS/SageMaker",
        aliases: &["sagemaker"],
        tag_filters: &["sagemaker:endpoint", "sagemaker:inference-component"],
        resources: &[
            built(
                "sagemaker:inference-component",
                &["InferenceComponentName"],
                "arn:{partition}:sagemaker:{region}:{account}:inference-component/{InferenceComponentName:lower}",
            ),
            built(
                "sagemaker:endpoint",
                &["EndpointName"],
                "arn:{partition}:sagemaker:{region}:{account}:endpoint/{EndpointName:lower}",
            ),
        ],
        base_dimensions: &["EndpointName"],
    },
    Namespace {
        namespace: "/aws/sagemaker/Endpoints",
        aliases: &["sagemaker-endpoints"],
        tag_filters: &["sagemaker:endpoint"],
        resources: &[built(
            "sagemaker:endpoint",
            &["EndpointName"],
            "arn:{partition}:sagemaker:{region}:{account}:endpoint/{EndpointName:lower}",
        )],
        base_dimensions: &["EndpointName"],
    },
    Namespace {
        namespace: "/aws/sagemaker/InferenceComponents",
        aliases: &["sagemaker-inference-components"],
        tag_filters: &["sagemaker:inference-component"],
        resources: &[built(
            "sagemaker:inference-component",
            &["InferenceComponentName"],
            "arn:{partition}:sagemaker:{region}:{account}:inference-component/{InferenceComponentName:lower}",
        )],
        base_dimensions: &["InferenceComponentName"],
    },
    Namespace {
        namespace: "/aws/sagemaker/TrainingJobs",
        aliases: &["sagemaker-training"],
        tag_filters: &["sagemaker:training-job"],
        resources: &[],
        base_dimensions: &[],
    },
    Namespace {
        namespace: "/aws/sagemaker/ProcessingJobs",
        aliases: &["sagemaker-processing"],
        tag_filters: &["sagemaker:processing-job"],
        resources: &[],
        base_dimensions: &[],
    },
    Namespace {
        namespace: "/aws/sagemaker/TransformJobs",
        aliases: &["sagemaker-transform"],
        tag_filters: &["sagemaker:transform-job"],
        resources: &[],
        base_dimensions: &[],
    },
    Namespace {
        namespace: "/aws/sagemaker/InferenceRecommendationsJobs",
        aliases: &["sagemaker-inf-rec"],
        tag_filters: &["sagemaker:inference-recommendations-job"],
        resources: &[built(
            "sagemaker:inference-recommendations-job",
            &["JobName"],
            "arn:{partition}:sagemaker:{region}:{account}:inference-recommendations-job/{JobName:lower}",
        )],
        base_dimensions: &["JobName"],
    },
    Namespace {
        namespace: "AWS/Sagemaker/ModelBuildingPipeline",
        aliases: &["sagemaker-model-building-pipeline"],
        tag_filters: &["sagemaker:pipeline"],
        resources: &[built(
            "sagemaker:pipeline",
            &["PipelineName"],
            "arn:{partition}:sagemaker:{region}:{account}:pipeline/{PipelineName:lower}",
        )],
        base_dimensions: &["PipelineName"],
    },
    Namespace {
        namespace: "AWS/IPAM",
        aliases: &["ipam"],
        tag_filters: &["ec2:ipam-pool"],
        resources: &[
            // AWS's "IPAM metrics" page spells pool and scope dimensions PoolID and ScopeID;
            // YACE's IpamPoolId is kept beside.
            built(
                "ec2:ipam-pool",
                &["PoolID"],
                "arn:{partition}:ec2::{account}:ipam-pool/{PoolID}",
            ),
            built(
                "ec2:ipam-scope",
                &["ScopeID"],
                "arn:{partition}:ec2::{account}:ipam-scope/{ScopeID}",
            ),
            built(
                "ec2:ipam-pool",
                &["IpamPoolId"],
                "arn:{partition}:ec2::{account}:ipam-pool/{IpamPoolId}",
            ),
            built(
                "ec2:ipam",
                &["IpamId"],
                "arn:{partition}:ec2::{account}:ipam/{IpamId}",
            ),
        ],
        base_dimensions: &["IpamPoolId"],
    },
    Namespace {
        namespace: "AWS/Bedrock",
        aliases: &["bedrock"],
        tag_filters: &[],
        resources: &[],
        base_dimensions: &[],
    },
    Namespace {
        namespace: "AWS/Bedrock/Agents",
        aliases: &["bedrock-agents"],
        tag_filters: &["bedrock:agent-alias"],
        resources: &[built(
            "bedrock:agent-alias",
            &["AgentAliasArn"],
            "{AgentAliasArn}",
        )],
        base_dimensions: &["AgentAliasArn"],
    },
    Namespace {
        namespace: "AWS/Bedrock/Guardrails",
        aliases: &["bedrock-guardrails"],
        tag_filters: &["bedrock:guardrail"],
        resources: &[built(
            "bedrock:guardrail",
            &["GuardrailArn"],
            "{GuardrailArn}",
        )],
        base_dimensions: &["GuardrailArn"],
    },
    Namespace {
        namespace: "AWS/Events",
        aliases: &["event-rule"],
        tag_filters: &["events"],
        resources: &[
            // Series with both are a custom or partner bus's rules; the default bus's have
            // RuleName only (and its rules' ARNs no bus).
            built(
                "events:rule",
                &["EventBusName", "RuleName"],
                "arn:{partition}:events:{region}:{account}:rule/{EventBusName}/{RuleName}",
            ),
            built(
                "events:rule",
                &["RuleName"],
                "arn:{partition}:events:{region}:{account}:rule/{RuleName}",
            ),
            built(
                "events:event-bus",
                &["EventBusName"],
                "arn:{partition}:events:{region}:{account}:event-bus/{EventBusName}",
            ),
        ],
        base_dimensions: &["RuleName"],
    },
    Namespace {
        namespace: "AWS/VpcLattice",
        aliases: &["vpc-lattice"],
        tag_filters: &["vpc-lattice:service", "vpc-lattice:targetgroup"],
        resources: &[
            tagged(
                "vpc-lattice:targetgroup",
                &["TargetGroup"],
                ":targetgroup/(?P<TargetGroup>[^/]+)$",
            ),
            tagged(
                "vpc-lattice:service",
                &["Service"],
                ":service/(?P<Service>[^/]+)$",
            ),
        ],
        base_dimensions: &["Service"],
    },
    Namespace {
        namespace: "AWS/Network Manager",
        aliases: &["networkmanager"],
        tag_filters: &["networkmanager:core-network"],
        resources: &[
            built(
                "networkmanager:attachment",
                &["CoreNetwork", "Attachment"],
                "arn:{partition}:networkmanager::{account}:attachment/{Attachment}",
            ),
            built(
                "networkmanager:core-network",
                &["CoreNetwork"],
                "arn:{partition}:networkmanager::{account}:core-network/{CoreNetwork}",
            ),
        ],
        base_dimensions: &["CoreNetwork"],
    },
];
