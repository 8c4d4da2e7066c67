//! The AWS provider: resources and data sources through the official `aws-sdk-*` crates.
//!
//! `config.rs` turns the `provider "aws"` block into an [`handle::Aws`] (credentials, region,
//! endpoints, default tags, a client per service); `errors.rs` maps SDK errors to plat's typed
//! errors; `retry.rs` holds the waits and the create-once rule; `tags.rs` the `tags`/`tags_all`
//! semantics and ownership tags. One file per resource type or data source.

pub mod batch;
pub mod config;
pub mod data_availability_zones;
pub mod data_caller_identity;
pub mod data_eks_cluster;
pub mod data_eks_cluster_auth;
pub mod data_iam_policy_document;
pub mod data_partition;
pub mod data_region;
pub mod data_subnets;
pub mod data_vpc;
pub mod db_instance;
pub mod db_parameter_group;
pub mod db_subnet_group;
pub mod ec2_object;
pub mod ecr_lifecycle_policy;
pub mod ecr_repository;
pub mod efs_access_point;
pub mod efs_file_system;
pub mod efs_mount_target;
pub mod eip;
pub mod eks;
pub mod eks_addon;
pub mod eks_cluster;
pub mod eks_node_group;
pub mod errors;
pub mod handle;
pub mod iam_access_key;
pub mod iam_openid_connect_provider;
pub mod iam_policy;
pub mod iam_role;
pub mod iam_role_policy;
pub mod iam_role_policy_attachment;
pub mod iam_user;
pub mod internet_gateway;
pub mod names;
pub mod nat_gateway;
pub mod policy;
pub mod rds;
pub mod retry;
pub mod route;
pub mod route_table;
pub mod route_table_association;
pub mod s3_bucket;
pub mod s3_bucket_policy;
pub mod s3_bucket_public_access_block;
pub mod s3_bucket_server_side_encryption_configuration;
pub mod s3_bucket_setting;
pub mod s3_bucket_versioning;
pub mod s3_object;
pub mod security_group;
pub mod security_group_rule;
pub mod subnet;
pub mod tags;
pub mod vpc;

use std::sync::{Arc, OnceLock};

use super::resource::Data;
use super::Provider;
use ec2_object::Ec2;
use handle::CallLog;
use s3_bucket_setting::BucketScoped;

/// The API calls of every AWS provider configuration in this process.
pub fn calls() -> Arc<CallLog> {
    static CALLS: OnceLock<Arc<CallLog>> = OnceLock::new();
    CALLS.get_or_init(Arc::default).clone()
}

pub fn provider() -> Provider {
    Provider {
        name: "aws",
        resources: vec![
            Arc::new(ecr_lifecycle_policy::AwsEcrLifecyclePolicy::new()),
            Arc::new(ecr_repository::AwsEcrRepository::new()),
            Arc::new(efs_access_point::AwsEfsAccessPoint::new()),
            Arc::new(efs_file_system::AwsEfsFileSystem::new()),
            Arc::new(efs_mount_target::AwsEfsMountTarget::new()),
            Arc::new(eks_addon::AwsEksAddon::new()),
            Arc::new(eks_cluster::AwsEksCluster::new()),
            Arc::new(eks_node_group::AwsEksNodeGroup::new()),
            Arc::new(db_instance::AwsDbInstance::new()),
            Arc::new(db_parameter_group::AwsDbParameterGroup::new()),
            Arc::new(db_subnet_group::AwsDbSubnetGroup::new()),
            Arc::new(Ec2(eip::AwsEip::new())),
            Arc::new(iam_access_key::AwsIamAccessKey::new()),
            Arc::new(iam_openid_connect_provider::AwsIamOpenidConnectProvider::new()),
            Arc::new(iam_policy::AwsIamPolicy::new()),
            Arc::new(iam_role::AwsIamRole::new()),
            Arc::new(iam_role_policy::AwsIamRolePolicy::new()),
            Arc::new(iam_role_policy_attachment::AwsIamRolePolicyAttachment::new()),
            Arc::new(iam_user::AwsIamUser::new()),
            Arc::new(Ec2(internet_gateway::AwsInternetGateway::new())),
            Arc::new(Ec2(nat_gateway::AwsNatGateway::new())),
            Arc::new(route::AwsRoute::new()),
            Arc::new(Ec2(route_table::AwsRouteTable::new())),
            Arc::new(route_table_association::AwsRouteTableAssociation::new()),
            Arc::new(s3_bucket::AwsS3Bucket::new()),
            Arc::new(BucketScoped(s3_bucket_policy::BucketPolicy::new())),
            Arc::new(BucketScoped(
                s3_bucket_public_access_block::PublicAccessBlock::new(),
            )),
            Arc::new(BucketScoped(
                s3_bucket_server_side_encryption_configuration::Encryption::new(),
            )),
            Arc::new(BucketScoped(s3_bucket_versioning::Versioning::new())),
            Arc::new(s3_object::AwsS3Object::new()),
            Arc::new(Ec2(security_group::AwsSecurityGroup::new())),
            Arc::new(security_group_rule::AwsSecurityGroupRule::new()),
            Arc::new(Ec2(subnet::AwsSubnet::new())),
            Arc::new(Ec2(vpc::AwsVpc::new())),
        ],
        data_sources: vec![
            Arc::new(Data(data_availability_zones::AvailabilityZones::new())),
            Arc::new(Data(data_caller_identity::CallerIdentity::new())),
            Arc::new(Data(data_eks_cluster::EksClusterData::new())),
            Arc::new(Data(data_eks_cluster_auth::EksClusterAuth::new())),
            Arc::new(Data(data_iam_policy_document::PolicyDocument::new())),
            Arc::new(Data(data_partition::Partition::new())),
            Arc::new(Data(data_region::RegionData::new())),
            Arc::new(Data(data_subnets::SubnetsData::new())),
            Arc::new(Data(data_vpc::VpcData::new())),
        ],
        configure: Some(Arc::new(config::AwsConfigure::new(calls()))),
    }
}
