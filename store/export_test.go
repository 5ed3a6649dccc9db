package store

// Names of the database layout, for tests that edit the file directly.
const (
	BucketMeta        = bucketMeta
	BucketEnrollments = bucketEnrollments
	BucketSteps       = bucketSteps
	BucketRecovery    = bucketRecovery
	BucketPending     = bucketPending
	SchemaKey         = schemaKey
	CountsKey         = countsKey
)
