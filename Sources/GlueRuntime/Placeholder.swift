// GlueRuntime
