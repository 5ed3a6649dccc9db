package main

import (
	"fmt"
	"testing"
	"time"
)

// timetable lists the logins of p by due time after begin, measured ones
// marked with *.
func timetable(p *plan, begin time.Time) string {
	var got []string
	for {
		tk, ok := p.next()
		if !ok {
			return fmt.Sprint(got)
		}
		mark := ""
		if tk.measured {
			mark = "*"
		}
		got = append(got, tk.due.Sub(begin).String()+mark)
	}
}

// The open loop's timetable: logins due every 1/rate, those after the
// warm-up measured, up to the end of -d or -n measured ones.
func TestPlan(t *testing.T) {
	begin := time.Unix(1_700_000_000, 0)
	p := newPlan(&Options{Rate: 4, Duration: time.Second}, begin, begin.Add(500*time.Millisecond))
	if got, want := timetable(p, begin), "[0s 250ms 500ms* 750ms* 1s* 1.25s*]"; got != want {
		t.Fatalf("-d 1s after a 0.5 s warm-up at 4/s: %s, want %s", got, want)
	}
	p = newPlan(&Options{Rate: 1000, Count: 3}, begin, begin.Add(time.Millisecond+time.Microsecond))
	if got, want := timetable(p, begin), "[0s 1ms 2ms* 3ms* 4ms*]"; got != want {
		t.Fatalf("-n 3 at 1000/s: %s, want %s", got, want)
	}
	if _, ok := p.next(); ok {
		t.Fatal("the plan goes on after -n")
	}
}
