# A VPC laid out the way EKS expects: one public and one private subnet per availability zone,
# an internet gateway for the public subnets, one NAT gateway (or one per AZ) for the private
# ones, and the subnet tags the AWS Load Balancer Controller uses to find subnets.

variable "name" {
  type        = string
  description = "Name of the VPC; prefixes the Name tag of everything in it."

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9-]{0,62}$", var.name))
    error_message = "name must be 1-63 letters, digits or dashes."
  }
}

variable "cidr" {
  type        = string
  description = "IPv4 CIDR block of the VPC."
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrnetmask(var.cidr))
    error_message = "cidr must be an IPv4 CIDR block such as 10.0.0.0/16."
  }
}

variable "azs" {
  type        = list(string)
  description = "Availability zones to use, one public and one private subnet in each (e.g. slice(data.aws_availability_zones.available.names, 0, 3))."

  validation {
    condition     = length(var.azs) >= 1 && length(var.azs) == length(distinct(var.azs))
    error_message = "azs must list at least one availability zone, each once."
  }
}

variable "subnet_newbits" {
  type        = number
  description = "Bits added to the VPC prefix for each subnet (8 turns a /16 into /24 subnets)."
  default     = 8

  validation {
    condition     = var.subnet_newbits >= 1 && var.subnet_newbits <= 12
    error_message = "subnet_newbits must be between 1 and 12."
  }
}

variable "private_subnets" {
  type        = list(string)
  description = "CIDR blocks of the private subnets, one per AZ. Empty: cidrsubnet(cidr, subnet_newbits, 1..N), as in the book (10.0.1.0/24, 10.0.2.0/24, 10.0.3.0/24)."
  default     = []
}

variable "public_subnets" {
  type        = list(string)
  description = "CIDR blocks of the public subnets, one per AZ. Empty: the N blocks after the private ones (10.0.4.0/24, 10.0.5.0/24, 10.0.6.0/24)."
  default     = []
}

variable "enable_nat_gateway" {
  type        = bool
  description = "Give the private subnets a default route through NAT."
  default     = true
}

variable "single_nat_gateway" {
  type        = bool
  description = "One NAT gateway (in the first AZ) shared by every private subnet, instead of one per AZ. Cheaper; not AZ-fault-tolerant."
  default     = true
}

variable "enable_dns_hostnames" {
  type        = bool
  description = "Give instances DNS host names (EKS needs this)."
  default     = true
}

variable "cluster_name" {
  type        = string
  description = "EKS cluster whose load balancers may use the subnets: adds kubernetes.io/cluster/<cluster_name> = shared. Null: no cluster tag."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Tags for every resource."
  default     = {}
}

locals {
  n = length(var.azs)

  private_cidrs = length(var.private_subnets) > 0 ? var.private_subnets : [
    for i in range(local.n) : cidrsubnet(var.cidr, var.subnet_newbits, i + 1)
  ]
  public_cidrs = length(var.public_subnets) > 0 ? var.public_subnets : [
    for i in range(local.n) : cidrsubnet(var.cidr, var.subnet_newbits, i + 1 + local.n)
  ]

  cluster_tag = var.cluster_name == null ? {} : { "kubernetes.io/cluster/${var.cluster_name}" = "shared" }

  # AZ => CIDR; keys are the AZ names so that they are known at plan time and stable.
  private = { for i, az in var.azs : az => local.private_cidrs[i] }
  public  = { for i, az in var.azs : az => local.public_cidrs[i] }

  # AZs that get a NAT gateway.
  nat_azs = var.enable_nat_gateway ? (var.single_nat_gateway ? [var.azs[0]] : var.azs) : []
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = var.enable_dns_hostnames
  tags                 = merge(var.tags, { Name = var.name })
}

resource "aws_subnet" "public" {
  for_each = local.public

  vpc_id                  = aws_vpc.this.id
  cidr_block              = each.value
  availability_zone       = each.key
  map_public_ip_on_launch = true
  tags = merge(var.tags, local.cluster_tag, {
    Name                     = "${var.name}-public-${each.key}"
    "kubernetes.io/role/elb" = "1"
  })
}

resource "aws_subnet" "private" {
  for_each = local.private

  vpc_id            = aws_vpc.this.id
  cidr_block        = each.value
  availability_zone = each.key
  tags = merge(var.tags, local.cluster_tag, {
    Name                              = "${var.name}-private-${each.key}"
    "kubernetes.io/role/internal-elb" = "1"
  })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id
  tags   = merge(var.tags, { Name = var.name })
}

resource "aws_eip" "nat" {
  for_each = toset(local.nat_azs)

  domain     = "vpc"
  tags       = merge(var.tags, { Name = "${var.name}-nat-${each.key}" })
  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  for_each = toset(local.nat_azs)

  allocation_id = aws_eip.nat[each.key].id
  subnet_id     = aws_subnet.public[each.key].id
  tags          = merge(var.tags, { Name = "${var.name}-nat-${each.key}" })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.this.id
  }

  tags = merge(var.tags, { Name = "${var.name}-public" })
}

resource "aws_route_table_association" "public" {
  for_each = local.public

  subnet_id      = aws_subnet.public[each.key].id
  route_table_id = aws_route_table.public.id
}

# One private route table per AZ; with a single NAT gateway they all point at it.
resource "aws_route_table" "private" {
  for_each = local.private

  vpc_id = aws_vpc.this.id

  dynamic "route" {
    for_each = var.enable_nat_gateway ? [var.single_nat_gateway ? var.azs[0] : each.key] : []
    content {
      cidr_block     = "0.0.0.0/0"
      nat_gateway_id = aws_nat_gateway.this[route.value].id
    }
  }

  tags = merge(var.tags, { Name = "${var.name}-private-${each.key}" })
}

resource "aws_route_table_association" "private" {
  for_each = local.private

  subnet_id      = aws_subnet.private[each.key].id
  route_table_id = aws_route_table.private[each.key].id
}

output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "azs" {
  description = "The availability zones, in the order of the subnet lists."
  value       = var.azs
}

output "public_subnets" {
  description = "IDs of the public subnets, in the order of azs."
  value       = [for az in var.azs : aws_subnet.public[az].id]
}

output "private_subnets" {
  description = "IDs of the private subnets, in the order of azs."
  value       = [for az in var.azs : aws_subnet.private[az].id]
}

output "public_subnets_cidr_blocks" {
  description = "CIDR blocks of the public subnets, in the order of azs."
  value       = local.public_cidrs
}

output "private_subnets_cidr_blocks" {
  description = "CIDR blocks of the private subnets, in the order of azs."
  value       = local.private_cidrs
}

output "nat_public_ips" {
  description = "Public IPs of the NAT gateways."
  value       = [for az in local.nat_azs : aws_eip.nat[az].public_ip]
}
