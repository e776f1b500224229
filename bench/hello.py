# The smallest job: one line of output, no AWS calls.
print("hello from a Glue Python shell job")
