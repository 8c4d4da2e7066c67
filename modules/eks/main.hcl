# An EKS cluster with its IAM role, the OIDC provider for IRSA, a node IAM role, a map of
# managed node groups and a map of EKS add-ons.

variable "cluster_name" {
  type        = string
  description = "Name of the EKS cluster."

  validation {
    condition     = can(regex("^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$", var.cluster_name))
    error_message = "cluster_name must be 1-100 letters, digits, dashes or underscores, starting with a letter or digit."
  }
}

variable "cluster_version" {
  type        = string
  description = "Kubernetes version (major.minor), e.g. \"1.29\". Upgrades go one minor version at a time."
  default     = "1.29"

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.cluster_version))
    error_message = "cluster_version must look like 1.29."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC of the cluster; subnet_ids must be in it. (EKS derives the VPC from the subnets; kept so that callers state it, as with terraform-aws-modules/eks.)"
}

variable "subnet_ids" {
  type        = list(string)
  description = "Subnets of the control plane's network interfaces and of the node groups (the book uses the private subnets only)."

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "EKS needs subnets in at least two availability zones."
  }
}

variable "endpoint_private_access" {
  type        = bool
  description = "Reach the API server from inside the VPC."
  default     = true
}

variable "endpoint_public_access" {
  type        = bool
  description = "Reach the API server from the internet."
  default     = true
}

variable "enabled_log_types" {
  type        = list(string)
  description = "Control-plane logs sent to CloudWatch."
  default     = ["api", "controllerManager", "scheduler"]

  validation {
    condition     = alltrue([for t in var.enabled_log_types : contains(["api", "audit", "authenticator", "controllerManager", "scheduler"], t)])
    error_message = "enabled_log_types may hold only api, audit, authenticator, controllerManager and scheduler."
  }
}

variable "oidc_thumbprint" {
  type        = string
  description = "SHA-1 thumbprint of the OIDC issuer's root CA. AWS no longer checks it for EKS issuers (it trusts its own CA), but IAM still requires one; the default is the Starfield root of oidc.eks.*.amazonaws.com."
  default     = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"

  validation {
    condition     = can(regex("^[0-9a-fA-F]{40}$", var.oidc_thumbprint))
    error_message = "oidc_thumbprint must be 40 hexadecimal digits."
  }
}

variable "node_groups" {
  type = map(object({
    name           = optional(string)
    instance_types = list(string)
    min_size       = number
    max_size       = number
    desired_size   = number
    capacity_type  = optional(string, "ON_DEMAND")
    ami_type       = optional(string, "AL2_x86_64")
    disk_size      = optional(number, 20)
    labels         = optional(map(string), {})
    taints = optional(list(object({
      key    = string
      value  = optional(string)
      effect = string
    })), [])
    tags = optional(map(string), {})
  }))
  description = "Managed node groups by key. name defaults to the key. Taint effects are NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE."
  default     = {}

  validation {
    condition     = alltrue([for k, g in var.node_groups : g.min_size <= g.desired_size && g.desired_size <= g.max_size && g.max_size >= 1])
    error_message = "Each node group needs min_size <= desired_size <= max_size and max_size >= 1."
  }

  validation {
    condition = alltrue(flatten([
      for k, g in var.node_groups : [for t in g.taints : contains(["NO_SCHEDULE", "NO_EXECUTE", "PREFER_NO_SCHEDULE"], t.effect)]
    ]))
    error_message = "Taint effects must be NO_SCHEDULE, NO_EXECUTE or PREFER_NO_SCHEDULE."
  }

  validation {
    condition     = alltrue([for k, g in var.node_groups : contains(["ON_DEMAND", "SPOT"], g.capacity_type)])
    error_message = "capacity_type must be ON_DEMAND or SPOT."
  }
}

variable "addons" {
  type = map(object({
    version                  = optional(string)
    service_account_role_arn = optional(string)
    configuration_values     = optional(string)
    before_compute           = optional(bool, false)
  }))
  description = "EKS add-ons by name (vpc-cni, coredns, kube-proxy, aws-efs-csi-driver, ...). version null: the default version for the cluster. before_compute: create before the node groups (vpc-cni)."
  default     = {}
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource."
  default     = {}
}

data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition

  node_policies = {
    worker = "AmazonEKSWorkerNodePolicy"
    cni    = "AmazonEKS_CNI_Policy"
    ecr    = "AmazonEC2ContainerRegistryReadOnly"
  }

  addons_before = { for k, a in var.addons : k => a if a.before_compute }
  addons_after  = { for k, a in var.addons : k => a if !a.before_compute }
}

# --- control plane ---------------------------------------------------------------------------

data "aws_iam_policy_document" "cluster_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cluster" {
  name               = "${var.cluster_name}-cluster"
  assume_role_policy = data.aws_iam_policy_document.cluster_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

resource "aws_eks_cluster" "this" {
  name                      = var.cluster_name
  version                   = var.cluster_version
  role_arn                  = aws_iam_role.cluster.arn
  enabled_cluster_log_types = var.enabled_log_types

  vpc_config {
    subnet_ids              = var.subnet_ids
    endpoint_private_access = var.endpoint_private_access
    endpoint_public_access  = var.endpoint_public_access
  }

  tags = var.tags

  timeouts {
    create = "30m"
    update = "60m"
    delete = "20m"
  }

  depends_on = [aws_iam_role_policy_attachment.cluster]
}

# --- IRSA ------------------------------------------------------------------------------------

resource "aws_iam_openid_connect_provider" "this" {
  url             = aws_eks_cluster.this.identity[0].oidc[0].issuer
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = [var.oidc_thumbprint]
  tags            = merge(var.tags, { Name = "${var.cluster_name}-irsa" })
}

# --- nodes -----------------------------------------------------------------------------------

data "aws_iam_policy_document" "node_assume" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name               = "${var.cluster_name}-node"
  assume_role_policy = data.aws_iam_policy_document.node_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "node" {
  for_each = local.node_policies

  role       = aws_iam_role.node.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.value}"
}

resource "aws_eks_addon" "before_compute" {
  for_each = local.addons_before

  cluster_name             = aws_eks_cluster.this.name
  addon_name               = each.key
  addon_version            = each.value.version
  service_account_role_arn = each.value.service_account_role_arn
  configuration_values     = each.value.configuration_values
  tags                     = var.tags
}

resource "aws_eks_node_group" "this" {
  for_each = var.node_groups

  cluster_name    = aws_eks_cluster.this.name
  node_group_name = coalesce(each.value.name, each.key)
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids
  instance_types  = each.value.instance_types
  capacity_type   = each.value.capacity_type
  ami_type        = each.value.ami_type
  disk_size       = each.value.disk_size
  labels          = each.value.labels

  scaling_config {
    min_size     = each.value.min_size
    max_size     = each.value.max_size
    desired_size = each.value.desired_size
  }

  dynamic "taint" {
    for_each = each.value.taints
    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }

  # The cluster autoscaler finds groups by these tags, and scales a group up from zero using the
  # node-template label and taint tags.
  tags = merge(
    var.tags,
    {
      "k8s.io/cluster-autoscaler/enabled"             = "true"
      "k8s.io/cluster-autoscaler/${var.cluster_name}" = "owned"
    },
    { for k, v in each.value.labels : "k8s.io/cluster-autoscaler/node-template/label/${k}" => v },
    {
      for t in each.value.taints : "k8s.io/cluster-autoscaler/node-template/taint/${t.key}" =>
      "${t.value == null ? "" : t.value}:${lookup({ NO_SCHEDULE = "NoSchedule", NO_EXECUTE = "NoExecute", PREFER_NO_SCHEDULE = "PreferNoSchedule" }, t.effect, t.effect)}"
    },
    each.value.tags,
  )

  timeouts {
    create = "30m"
    update = "30m"
    delete = "30m"
  }

  depends_on = [aws_iam_role_policy_attachment.node, aws_eks_addon.before_compute]
}

resource "aws_eks_addon" "this" {
  for_each = local.addons_after

  cluster_name             = aws_eks_cluster.this.name
  addon_name               = each.key
  addon_version            = each.value.version
  service_account_role_arn = each.value.service_account_role_arn
  configuration_values     = each.value.configuration_values
  tags                     = var.tags

  # coredns and the CSI drivers need nodes to become ACTIVE.
  depends_on = [aws_eks_node_group.this]
}

# --- outputs ---------------------------------------------------------------------------------

output "cluster_name" {
  description = "Name of the cluster."
  value       = aws_eks_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the cluster."
  value       = aws_eks_cluster.this.arn
}

output "cluster_version" {
  description = "Kubernetes version of the control plane."
  value       = aws_eks_cluster.this.version
}

output "cluster_endpoint" {
  description = "URL of the Kubernetes API server."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64-encoded CA certificate of the API server."
  value       = aws_eks_cluster.this.certificate_authority[0].data
}

output "cluster_security_group_id" {
  description = "Security group EKS created for the control plane and nodes."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "oidc_issuer_url" {
  description = "OIDC issuer URL of the cluster (https://oidc.eks.REGION.amazonaws.com/id/...)."
  value       = aws_eks_cluster.this.identity[0].oidc[0].issuer
}

output "oidc_provider_arn" {
  description = "ARN of the IAM OIDC provider for IRSA."
  value       = aws_iam_openid_connect_provider.this.arn
}

output "cluster_role_arn" {
  description = "ARN of the cluster IAM role."
  value       = aws_iam_role.cluster.arn
}

output "node_group_role_name" {
  description = "Name of the IAM role shared by every node group (attach extra node policies to it)."
  value       = aws_iam_role.node.name
}

output "node_group_role_arn" {
  description = "ARN of the node IAM role."
  value       = aws_iam_role.node.arn
}

output "node_groups" {
  description = "Node groups by key: name, ARN and status."
  value = {
    for k, g in aws_eks_node_group.this : k => {
      name   = g.node_group_name
      arn    = g.arn
      status = g.status
    }
  }
}

output "addons" {
  description = "Names of the installed add-ons."
  value       = concat(keys(aws_eks_addon.before_compute), keys(aws_eks_addon.this))
}
