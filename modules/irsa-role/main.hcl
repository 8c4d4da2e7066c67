# An IAM role that exactly one Kubernetes service account can assume through the cluster's OIDC
# provider (IRSA), with managed policies attached and an optional inline policy.

variable "name" {
  type        = string
  description = "Name of the IAM role."

  validation {
    condition     = can(regex("^[\\w+=,.@-]{1,64}$", var.name))
    error_message = "IAM role names are 1-64 characters from letters, digits and +=,.@_-."
  }
}

variable "oidc_provider_arn" {
  type        = string
  description = "ARN of the cluster's IAM OIDC provider (module eks output oidc_provider_arn)."
}

variable "oidc_issuer_url" {
  type        = string
  description = "OIDC issuer URL of the cluster, with or without https:// (module eks output oidc_issuer_url)."
}

variable "namespace" {
  type        = string
  description = "Kubernetes namespace of the service account."
}

variable "service_account" {
  type        = string
  description = "Name of the Kubernetes service account."

  validation {
    condition     = length(var.service_account) <= 63
    error_message = "Kubernetes names are at most 63 characters."
  }
}

variable "policy_arns" {
  type        = map(string)
  description = "Managed policies to attach, by a name known at plan time => policy ARN."
  default     = {}
}

variable "inline_policies" {
  type        = map(string)
  description = "Inline policies of the role, by a name known at plan time => policy JSON (e.g. jsonencode({...}) or data.aws_iam_policy_document.x.json). Each becomes ROLE-NAME."
  default     = {}
}

variable "max_session_duration" {
  type        = number
  description = "Longest session, in seconds (3600-43200)."
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for the role."
  default     = {}
}

locals {
  issuer_host = replace(var.oidc_issuer_url, "https://", "")
}

module "subject" {
  source    = "../service-account"
  namespace = var.namespace
  name      = var.service_account
}

# Written with jsonencode rather than data "aws_iam_policy_document": the provider ARN and the
# issuer are unknown until the cluster exists.
locals {
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRoleWithWebIdentity"
      Principal = { Federated = var.oidc_provider_arn }
      Condition = {
        StringEquals = {
          "${local.issuer_host}:sub" = module.subject.subject
          "${local.issuer_host}:aud" = "sts.amazonaws.com"
        }
      }
    }]
  })
}

resource "aws_iam_role" "this" {
  name                 = var.name
  assume_role_policy   = local.assume_role_policy
  max_session_duration = var.max_session_duration
  tags                 = var.tags
}

resource "aws_iam_role_policy_attachment" "this" {
  for_each = var.policy_arns

  role       = aws_iam_role.this.name
  policy_arn = each.value
}

resource "aws_iam_role_policy" "inline" {
  for_each = var.inline_policies

  name   = "${var.name}-${each.key}"
  role   = aws_iam_role.this.id
  policy = each.value
}

output "arn" {
  description = "ARN of the role; annotate the service account with eks.amazonaws.com/role-arn = this."
  value       = aws_iam_role.this.arn
}

output "name" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}

output "subject" {
  description = "The service account the role trusts: system:serviceaccount:NAMESPACE:NAME."
  value       = module.subject.subject
}
