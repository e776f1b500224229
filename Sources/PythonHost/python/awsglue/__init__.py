"""glueshim's minimal awsglue: what a Glue Python shell script can import without Spark."""
