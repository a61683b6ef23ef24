//! Finding the pieces of one boot's evidence: inputs named by flag, files recognised by
//! content, directories (capture folders, sysfs mirrors, bundles) searched for the pieces, and
//! several snapshots of the same boot put in order (the last is the final state).
