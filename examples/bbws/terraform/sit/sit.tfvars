# BBWS order service: system integration testing (pre-production).
# Account 815856636111, region af-south-1. Checked by 'promote env check'.
environment    = "sit"
aws_account_id = "815856636111"
aws_region     = "af-south-1"

dynamodb_table_name = "bbws-customer-portal-orders-sit"
sqs_queue_name      = "bbws-order-creation-sit"
s3_templates_bucket = "bbws-email-templates-sit"
s3_orders_bucket    = "bbws-orders-sit"

lambda_memory  = 512 # MB
lambda_timeout = 30  # seconds

enable_cross_region_dr = false
ses_sending_limit      = "10/sec"
