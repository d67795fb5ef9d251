"""Why an event can be relied on: the dependency graph, its tree view, an enterprise trail."""
