"""Monitoring: drift, delayed-label performance, estimated performance, status and report."""
