# Inputs of the aws-mlops stack. Per-environment values live in dev.platvars, prod.platvars and
# local.platvars (the moto emulator).

variable "name_prefix" {
  type        = string
  description = "Prefix of every name in the stack (cluster, buckets, roles). Bucket names are global: make it unique per account and environment."
  default     = "mlplatform"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,20}$", var.name_prefix))
    error_message = "name_prefix must be 3-21 lowercase letters, digits or dashes, starting with a letter."
  }
}

variable "region" {
  type        = string
  description = "AWS region of everything (the book uses eu-central-1)."
  default     = "eu-central-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must look like eu-central-1."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource (added to the provider's default_tags)."
  default     = {}
}

# --- network ---------------------------------------------------------------------------------

variable "vpc_cidr" {
  type        = string
  description = "CIDR block of the VPC; the subnets are its /24s 1-3 (private) and 4-6 (public)."
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.vpc_cidr))
    error_message = "vpc_cidr must be an IPv4 CIDR block."
  }
}

variable "az_count" {
  type        = number
  description = "Number of availability zones (one public and one private subnet each)."
  default     = 3

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 6
    error_message = "az_count must be between 2 and 6 (EKS and RDS need two AZs)."
  }
}

variable "single_nat_gateway" {
  type        = bool
  description = "One shared NAT gateway (the book's choice) instead of one per AZ."
  default     = true
}

# --- EKS -------------------------------------------------------------------------------------

variable "eks_version" {
  type        = string
  description = "Kubernetes version of the cluster."
  default     = "1.29"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.eks_version))
    error_message = "eks_version must look like 1.29."
  }
}

variable "eks_addons" {
  type = map(object({
    version              = optional(string)
    configuration_values = optional(string)
    before_compute       = optional(bool, false)
  }))
  description = "EKS add-ons by name; version null means the cluster's default. vpc-cni goes before the node groups. The EFS CSI driver gets its IRSA role from the stack."
  default = {
    vpc-cni = {
      before_compute       = true
      configuration_values = "{\"env\":{\"ENABLE_PREFIX_DELEGATION\":\"true\",\"WARM_PREFIX_TARGET\":\"1\"}}"
    }
    coredns            = {}
    kube-proxy         = {}
    aws-efs-csi-driver = {}
  }
}

variable "node_groups" {
  type = map(object({
    name           = optional(string)
    instance_types = list(string)
    min_size       = number
    max_size       = number
    desired_size   = number
    labels         = optional(map(string), {})
    taints = optional(list(object({
      key    = string
      value  = optional(string)
      effect = string
    })), [])
  }))
  description = "Managed node groups (the book's three t3 groups by default)."
  default = {
    ng0_t3_small = {
      instance_types = ["t3.small"]
      min_size       = 0
      max_size       = 6
      desired_size   = 0
      labels         = { role = "t3_small" }
    }
    ng1_t3_medium = {
      instance_types = ["t3.medium"]
      min_size       = 4
      max_size       = 6
      desired_size   = 4
      labels         = { role = "t3_medium" }
    }
    ng2_t3_large = {
      instance_types = ["t3.large"]
      min_size       = 0
      max_size       = 3
      desired_size   = 0
      labels         = { role = "t3_large" }
      taints         = [{ key = "dedicated", value = "t3_large", effect = "NO_SCHEDULE" }]
    }
  }
}

# --- components ------------------------------------------------------------------------------

variable "deploy_airflow" {
  type        = bool
  description = "Deploy Airflow's infrastructure: Postgres database, data and log buckets, IRSA role."
  default     = true
}

variable "deploy_mlflow" {
  type        = bool
  description = "Deploy MLflow's infrastructure: MySQL database, artifact bucket, IRSA role."
  default     = true
}

variable "deploy_jupyterhub" {
  type        = bool
  description = "Deploy JupyterHub (its Helm release comes with the Helm provider; no AWS resources of its own yet)."
  default     = true
}

# --- databases -------------------------------------------------------------------------------

variable "rds_instance_class" {
  type        = string
  description = "Instance class of both databases."
  default     = "db.t3.micro"
}

variable "rds_allocated_storage" {
  type        = number
  description = "Initial storage of each database, GiB."
  default     = 20
}

variable "rds_max_allocated_storage" {
  type        = number
  description = "Storage autoscaling ceiling of each database, GiB (the book: 500)."
  default     = 100
}

variable "airflow_postgres_version" {
  type        = string
  description = "Postgres version of Airflow's metadata database (the book's 13.3 is past end of support)."
  default     = "16.3"
}

variable "mlflow_mysql_version" {
  type        = string
  description = "MySQL version of MLflow's backend store (the book: 8.0.30)."
  default     = "8.0.39"
}

variable "airflow_db_password" {
  type        = string
  description = "Password of Airflow's database. Null: generated."
  default     = null
  sensitive   = true
}

variable "mlflow_db_password" {
  type        = string
  description = "Password of MLflow's database. Null: generated."
  default     = null
  sensitive   = true
}

# --- safety switches (dev: off, prod: on) ------------------------------------------------------

variable "deletion_protection" {
  type        = bool
  description = "Protect the databases from deletion."
  default     = false
}

variable "skip_final_snapshot" {
  type        = bool
  description = "Delete databases without a final snapshot."
  default     = true
}

variable "force_destroy" {
  type        = bool
  description = "Let destroy delete non-empty S3 buckets and ECR repositories."
  default     = true
}

variable "bucket_versioning" {
  type        = bool
  description = "Version the objects of the S3 buckets."
  default     = false
}
