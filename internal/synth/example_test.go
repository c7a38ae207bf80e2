package synth_test

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/privrec/privrec/internal/synth"
)

// A tiny log: ten items in two groups, three shoppers, about 30 rows; train
// reads it with synth.Mapping (the CLI: --format csv --columns synth.Columns).
func ExampleGenerate() {
	c := synth.For(10, 3, 1)
	c.Groups, c.Events = 2, 30
	var b bytes.Buffer
	st, err := synth.Generate(&b, c, nil)
	if err != nil {
		panic(err)
	}
	lines := strings.SplitN(b.String(), "\n", 5)
	fmt.Println(strings.Join(lines[:4], "\n"))
	fmt.Println(st)
	// Output:
	// user,item,event,ts,basket,quantity,category
	// u0000000,i0000000,view,1759221304695,u0000000.0,1,g0000000
	// u0000000,i0000003,view,1759771702473,u0000000.1,1,g0000001
	// u0000000,i0000003,cart,1759771710502,u0000000.1,1,g0000001
	// 35 rows (27 views 77%, 5 carts 14%, 3 purchases 9%), 6 sessions, 3 users, 10 items seen
}
