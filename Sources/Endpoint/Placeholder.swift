// Endpoint
