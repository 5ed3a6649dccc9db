package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// EnrollMany writes every enrollment in one bbolt transaction of its own,
// outside the group committer: all or nothing needs one transaction, and
// a batch of the committer must stay small. bbolt admits one writer at a
// time, so the committer waits for the import (logins stall for its
// duration, seconds for a few hundred thousand users) and then goes on;
// neither waits for the other while holding what the other needs, so
// they cannot deadlock. The import checks ctx as it goes: cancelled
// before the commit, it writes nothing.

// importCheckEvery is how many enrollments the import writes between two
// looks at its context.
const importCheckEvery = 1024

// importFillPercent is how full the import packs the pages it splits.
const importFillPercent = 0.9

// EnrollMany implements Store.
func (b *Bolt) EnrollMany(ctx context.Context, es []Enrollment) error {
	order, err := validateMany(es)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(es) == 0 {
		return nil
	}
	b.mu.RLock() // Close waits for the import
	defer b.mu.RUnlock()
	if b.closed {
		return ErrClosed
	}
	err = b.db.Update(func(tx *bolt.Tx) error {
		return enrollMany(ctx, bucketsOf(tx), b.sealer, es, order)
	})
	b.commits.Add(1)
	b.ops.Add(1)
	if err != nil {
		return fmt.Errorf("store: importing %d enrollments: %w", len(es), err)
	}
	return nil
}

// validateMany checks every element as Enroll would, then that no user
// appears twice, and returns the indexes of es in ascending order of
// user. bbolt inserts keys in order far faster than at random (a new
// bucket is one growing node until the commit splits it).
func validateMany(es []Enrollment) ([]int, error) {
	for i, e := range es {
		if problem := enrollmentProblem(e); problem != "" {
			return nil, fmt.Errorf("store: invalid enrollment %d of %d (user %q): %s", i, len(es), e.User, problem)
		}
	}
	order := make([]int, len(es))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return strings.Compare(es[i].User, es[j].User) })
	first, repeat := -1, len(es)
	for k := 1; k < len(order); k++ {
		if es[order[k]].User == es[order[k-1]].User && order[k] < repeat {
			first, repeat = order[k-1], order[k]
		}
	}
	if first >= 0 {
		return nil, fmt.Errorf("store: invalid enrollment %d of %d (user %q): the user is also enrollment %d", repeat, len(es), es[repeat].User, first)
	}
	return order, nil
}

// enrollMany enrolls es in the given order and updates the counts once.
func enrollMany(ctx context.Context, bk buckets, s sealer, es []Enrollment, order []int) error {
	var users, enrolled int64
	// Keys mostly arrive in order (appended to a new bucket): fill pages
	// before splitting them instead of leaving them half empty.
	bk.enrollments.FillPercent, bk.steps.FillPercent = importFillPercent, importFillPercent
	for n, i := range order {
		if n%importCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		before := presenceOf(bk, []byte(es[i].User))
		if _, err := enroll(bk, s, es[i]); err != nil {
			return err
		}
		users += delta(before.listed, true)
		enrolled += delta(before.enrolled, true)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return addCounts(bk, users, enrolled)
}
