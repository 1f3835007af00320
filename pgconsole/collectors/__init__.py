"""One collector per view: each turns a query result into a frozen snapshot."""
