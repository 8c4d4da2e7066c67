# An encrypted EFS file system with a mount target in each given subnet and an NFS security
# group open to given CIDR blocks.

variable "name" {
  type        = string
  description = "Name of the file system; also its creation token."

  validation {
    condition     = length(var.name) >= 1 && length(var.name) <= 64
    error_message = "name must be 1-64 characters."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC of the NFS security group."
}

variable "subnets" {
  type        = map(string)
  description = "Subnets that get a mount target, by a key known at plan time (the AZ name) => subnet ID; at most one per AZ, e.g. zipmap(module.vpc.azs, module.vpc.private_subnets)."

  validation {
    condition     = length(var.subnets) >= 1
    error_message = "At least one subnet is needed."
  }
}

variable "allowed_cidr_blocks" {
  type        = list(string)
  description = "CIDR blocks allowed to mount over NFS (tcp 2049), usually the private subnets."

  validation {
    condition     = alltrue([for c in var.allowed_cidr_blocks : can(cidrnetmask(c))])
    error_message = "allowed_cidr_blocks must hold IPv4 CIDR blocks."
  }
}

variable "performance_mode" {
  type        = string
  description = "generalPurpose or maxIO."
  default     = "generalPurpose"

  validation {
    condition     = contains(["generalPurpose", "maxIO"], var.performance_mode)
    error_message = "performance_mode must be generalPurpose or maxIO."
  }
}

variable "throughput_mode" {
  type        = string
  description = "bursting or elastic."
  default     = "bursting"

  validation {
    condition     = contains(["bursting", "elastic"], var.throughput_mode)
    error_message = "throughput_mode must be bursting or elastic (provisioned needs a throughput this module does not take)."
  }
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource."
  default     = {}
}

resource "aws_efs_file_system" "this" {
  creation_token   = var.name
  encrypted        = true
  performance_mode = var.performance_mode
  throughput_mode  = var.throughput_mode
  tags             = merge(var.tags, { Name = var.name })
}

resource "aws_security_group" "nfs" {
  name        = "${var.name}-nfs"
  description = "Allow NFS inbound traffic"
  vpc_id      = var.vpc_id

  ingress {
    description = "NFS from the allowed networks"
    from_port   = 2049
    to_port     = 2049
    protocol    = "tcp"
    cidr_blocks = var.allowed_cidr_blocks
  }

  egress {
    from_port        = 0
    to_port          = 0
    protocol         = "-1"
    cidr_blocks      = ["0.0.0.0/0"]
    ipv6_cidr_blocks = ["::/0"]
  }

  tags = merge(var.tags, { Name = "${var.name}-nfs" })
}

resource "aws_efs_mount_target" "this" {
  for_each = var.subnets

  file_system_id  = aws_efs_file_system.this.id
  subnet_id       = each.value
  security_groups = [aws_security_group.nfs.id]
}

output "file_system_id" {
  description = "ID of the file system (the StorageClass's fileSystemId)."
  value       = aws_efs_file_system.this.id
}

output "arn" {
  description = "ARN of the file system."
  value       = aws_efs_file_system.this.arn
}

output "dns_name" {
  description = "DNS name of the file system."
  value       = aws_efs_file_system.this.dns_name
}

output "security_group_id" {
  description = "ID of the NFS security group."
  value       = aws_security_group.nfs.id
}

output "mount_target_ids" {
  description = "Mount target IDs by subnet key."
  value       = { for k, mt in aws_efs_mount_target.this : k => mt.id }
}
