# aws-mlops: the AWS half of the book's MLOps platform (S. Blum, "MLOps Engineering", ch. 8):
# a VPC, an EKS cluster with three managed node groups and IRSA, EFS for shared logs, RDS for
# Airflow (Postgres) and MLflow (MySQL), S3 buckets and an ECR repository for model images.
#
#   plat validate stacks/aws-mlops
#   plat plan  stacks/aws-mlops --env dev --var-file stacks/aws-mlops/dev.platvars
#   plat apply stacks/aws-mlops --env dev --var-file stacks/aws-mlops/dev.platvars

plat {
  required_version = ">= 0.1"
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, {
      Project     = var.name_prefix
      Environment = plat.env
      ManagedBy   = "plat"
    })
  }
}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_partition" "current" {}

locals {
  cluster_name = "${var.name_prefix}-eks"
  azs          = slice(data.aws_availability_zones.available.names, 0, var.az_count)
  partition    = data.aws_partition.current.partition

  # The EFS CSI driver add-on runs as kube-system:efs-csi-controller-sa; give it its IRSA role.
  eks_addons = {
    for name, addon in var.eks_addons : name => merge(addon, {
      service_account_role_arn = name == "aws-efs-csi-driver" ? module.efs_csi_irsa.arn : null
    })
  }

  # Book names: <prefix>-mlflow-bucket, <prefix>-airflow-data-storage, <prefix>-airflow-log-storage.
  bucket_names = {
    mlflow_artifacts = "${var.name_prefix}-mlflow-bucket"
    airflow_data     = "${var.name_prefix}-airflow-data-storage"
    airflow_logs     = "${var.name_prefix}-airflow-log-storage"
  }
}

# --- network ---------------------------------------------------------------------------------

module "vpc" {
  source = "../../modules/vpc"

  name               = "${var.name_prefix}-vpc"
  cidr               = var.vpc_cidr
  azs                = local.azs
  single_nat_gateway = var.single_nat_gateway
  cluster_name       = local.cluster_name
}

# --- Kubernetes ------------------------------------------------------------------------------

module "eks" {
  source = "../../modules/eks"

  cluster_name    = local.cluster_name
  cluster_version = var.eks_version
  vpc_id          = module.vpc.vpc_id
  subnet_ids      = module.vpc.private_subnets
  node_groups     = var.node_groups
  addons          = local.eks_addons
}

module "efs_csi_irsa" {
  source = "../../modules/irsa-role"

  name              = "${local.cluster_name}-efs-csi"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer_url   = module.eks.oidc_issuer_url
  namespace         = "kube-system"
  service_account   = "efs-csi-controller-sa"
  policy_arns = {
    efs_csi = "arn:${local.partition}:iam::aws:policy/service-role/AmazonEFSCSIDriverPolicy"
  }
}

# The cluster autoscaler [004:L4764-4823]: read every group, change only the groups this
# cluster owns (the eks module tags them).
data "aws_iam_policy_document" "cluster_autoscaler" {
  statement {
    sid    = "clusterAutoscalerAll"
    effect = "Allow"
    actions = [
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeAutoScalingInstances",
      "autoscaling:DescribeLaunchConfigurations",
      "autoscaling:DescribeTags",
      "ec2:DescribeLaunchTemplateVersions",
      "ec2:DescribeInstanceTypes",
      "eks:DescribeNodegroup",
    ]
    resources = ["*"]
  }

  statement {
    sid    = "clusterAutoscalerOwn"
    effect = "Allow"
    actions = [
      "autoscaling:SetDesiredCapacity",
      "autoscaling:TerminateInstanceInAutoScalingGroup",
      "autoscaling:UpdateAutoScalingGroup",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "autoscaling:ResourceTag/k8s.io/cluster-autoscaler/${local.cluster_name}"
      values   = ["owned"]
    }

    condition {
      test     = "StringEquals"
      variable = "autoscaling:ResourceTag/k8s.io/cluster-autoscaler/enabled"
      values   = ["true"]
    }
  }
}

module "autoscaler_irsa" {
  source = "../../modules/irsa-role"

  name              = "${local.cluster_name}-autoscaler-controller"
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer_url   = module.eks.oidc_issuer_url
  namespace         = "kube-system"
  service_account   = "autoscaler-controller-sa"
  inline_policies   = { autoscaling = data.aws_iam_policy_document.cluster_autoscaler.json }
}

# --- shared storage --------------------------------------------------------------------------

# EFS for logs shared between pods (Airflow's ReadWriteMany log volume), mounted in every
# private subnet.
module "efs" {
  source = "../../modules/efs"

  name                = "${var.name_prefix}-efs"
  vpc_id              = module.vpc.vpc_id
  subnets             = zipmap(local.azs, module.vpc.private_subnets)
  allowed_cidr_blocks = module.vpc.private_subnets_cidr_blocks
}

resource "aws_ecr_repository" "models" {
  name                 = "${var.name_prefix}-models"
  image_tag_mutability = "MUTABLE"
  force_delete         = var.force_destroy

  image_scanning_configuration {
    scan_on_push = true
  }
}

resource "aws_ecr_lifecycle_policy" "models" {
  repository = aws_ecr_repository.models.name
  policy = jsonencode({
    rules = [
      {
        rulePriority = 1
        description  = "Expire untagged images after 14 days"
        selection = {
          tagStatus   = "untagged"
          countType   = "sinceImagePushed"
          countUnit   = "days"
          countNumber = 14
        }
        action = { type = "expire" }
      },
      {
        rulePriority = 2
        description  = "Keep the last 50 images"
        selection = {
          tagStatus   = "any"
          countType   = "imageCountMoreThan"
          countNumber = 50
        }
        action = { type = "expire" }
      },
    ]
  })
}

# --- Airflow ---------------------------------------------------------------------------------

module "airflow_db" {
  source = "../../modules/rds"
  count  = var.deploy_airflow ? 1 : 0

  name                  = "airflow"
  engine                = "postgres"
  engine_version        = var.airflow_postgres_version
  instance_class        = var.rds_instance_class
  allocated_storage     = var.rds_allocated_storage
  max_allocated_storage = var.rds_max_allocated_storage
  vpc_id                = module.vpc.vpc_id
  subnet_ids            = module.vpc.private_subnets
  allowed_cidr_blocks   = module.vpc.private_subnets_cidr_blocks
  password              = var.airflow_db_password
  deletion_protection   = var.deletion_protection
  skip_final_snapshot   = var.skip_final_snapshot
}

module "airflow_data_bucket" {
  source = "../../modules/s3-bucket"
  count  = var.deploy_airflow ? 1 : 0

  bucket        = local.bucket_names.airflow_data
  force_destroy = var.force_destroy
  versioning    = var.bucket_versioning
}

module "airflow_logs_bucket" {
  source = "../../modules/s3-bucket"
  count  = var.deploy_airflow ? 1 : 0

  bucket        = local.bucket_names.airflow_logs
  force_destroy = var.force_destroy
  versioning    = var.bucket_versioning
}

# (jsonencode, not data "aws_iam_policy_document": the bucket ARNs are unknown until apply.)
locals {
  airflow_s3_policy = var.deploy_airflow ? jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ListBuckets"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketLocation"]
        Resource = [module.airflow_logs_bucket[0].arn, module.airflow_data_bucket[0].arn]
      },
      {
        Sid      = "ReadWriteObjects"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject"]
        Resource = ["${module.airflow_logs_bucket[0].arn}/*", "${module.airflow_data_bucket[0].arn}/*"]
      },
    ]
  }) : null
}

# Airflow's pods (service account airflow:airflow-sa) write remote logs to the log bucket and
# read/write the data bucket.
module "airflow_irsa" {
  source = "../../modules/irsa-role"
  count  = var.deploy_airflow ? 1 : 0

  name                 = "${var.name_prefix}-airflow-s3-access-role"
  oidc_provider_arn    = module.eks.oidc_provider_arn
  oidc_issuer_url      = module.eks.oidc_issuer_url
  namespace            = "airflow"
  service_account      = "airflow-sa"
  inline_policies      = { s3 = local.airflow_s3_policy }
  max_session_duration = 28800
}

# --- MLflow ----------------------------------------------------------------------------------

module "mlflow_db" {
  source = "../../modules/rds"
  count  = var.deploy_mlflow ? 1 : 0

  name                  = "mlflow"
  engine                = "mysql"
  engine_version        = var.mlflow_mysql_version
  instance_class        = var.rds_instance_class
  allocated_storage     = var.rds_allocated_storage
  max_allocated_storage = var.rds_max_allocated_storage
  vpc_id                = module.vpc.vpc_id
  subnet_ids            = module.vpc.private_subnets
  allowed_cidr_blocks   = module.vpc.private_subnets_cidr_blocks
  password              = var.mlflow_db_password
  deletion_protection   = var.deletion_protection
  skip_final_snapshot   = var.skip_final_snapshot
}

module "mlflow_bucket" {
  source = "../../modules/s3-bucket"
  count  = var.deploy_mlflow ? 1 : 0

  bucket        = local.bucket_names.mlflow_artifacts
  force_destroy = var.force_destroy
  versioning    = var.bucket_versioning
}

locals {
  mlflow_s3_policy = var.deploy_mlflow ? jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ListArtifacts"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetBucketLocation"]
        Resource = module.mlflow_bucket[0].arn
      },
      {
        Sid      = "ReadWriteArtifacts"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = "${module.mlflow_bucket[0].arn}/*"
      },
    ]
  }) : null
}

# MLflow's tracking server (service account mlflow:mlflow-sa) stores artifacts in the bucket.
module "mlflow_irsa" {
  source = "../../modules/irsa-role"
  count  = var.deploy_mlflow ? 1 : 0

  name                 = "${var.name_prefix}-mlflow-s3-access-role"
  oidc_provider_arn    = module.eks.oidc_provider_arn
  oidc_issuer_url      = module.eks.oidc_issuer_url
  namespace            = "mlflow"
  service_account      = "mlflow-sa"
  inline_policies      = { s3 = local.mlflow_s3_policy }
  max_session_duration = 28800
}

# --- Helm releases (a later issue) -----------------------------------------------------------
#
# ############################################################################################
# # TODO(helm): Airflow, MLflow and JupyterHub releases go here once plat has the helm and
# # kubernetes providers. Each is gated like the infrastructure above:
# #
# #   resource "helm_release" "airflow" {       # count = var.deploy_airflow ? 1 : 0
# #     chart 8.6.1 from https://airflow-helm.github.io/charts, namespace "airflow", wait = false;
# #     externalDatabase <- module.airflow_db[0].host / .port / .db_name / .username / .password,
# #     remote logs     <- module.airflow_logs_bucket[0].bucket, SA airflow-sa annotated with
# #                        module.airflow_irsa[0].arn, logs PVC on the "efs" StorageClass
# #                        (fileSystemId = module.efs.file_system_id).
# #   }
# #   resource "helm_release" "mlflow" {        # count = var.deploy_mlflow ? 1 : 0
# #     local chart; backend mysql://<module.mlflow_db[0].username>:***@<host>/<db_name>,
# #     artifacts s3://<module.mlflow_bucket[0].bucket>/users, SA mlflow-sa annotated with
# #     module.mlflow_irsa[0].arn.
# #   }
# #   resource "helm_release" "jupyterhub" {    # count = var.deploy_jupyterhub ? 1 : 0
# #     chart 2.0.0 from https://jupyterhub.github.io/helm-chart/, namespace "jupyterhub",
# #     MLFLOW_TRACKING_URI from the MLflow release.
# #   }
# #
# # Also: cluster-autoscaler 9.10.7 (SA autoscaler-controller-sa, module.autoscaler_irsa.arn),
# # the "efs" StorageClass, and the kubernetes/helm providers configured from module.eks
# # (cluster_endpoint, cluster_certificate_authority_data, data.aws_eks_cluster_auth token).
# ############################################################################################
