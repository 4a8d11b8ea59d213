# The Terraform state of prod lives in prod's own account (093646564004).
terraform {
  backend "s3" {
    bucket         = "bbws-terraform-state-prod"
    key            = "order-lambda/terraform.tfstate"
    region         = "af-south-1"
    dynamodb_table = "terraform-locks-prod"
    encrypt        = true
  }
}
