# The Terraform state of sit lives in sit's own account (815856636111).
terraform {
  backend "s3" {
    bucket         = "bbws-terraform-state-sit"
    key            = "order-lambda/terraform.tfstate"
    region         = "af-south-1"
    dynamodb_table = "terraform-locks-sit"
    encrypt        = true
  }
}
