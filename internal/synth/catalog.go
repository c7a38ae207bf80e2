package synth

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
)

// Words of generated titles: a group sells one kind of thing (its noun),
// in many variants (adjective + colour).
var (
	titleNouns = []string{"mug", "candle", "lantern", "notebook", "tote bag", "teapot", "cushion", "clock",
		"frame", "bowl", "vase", "apron", "bottle", "jar", "tray", "coaster set", "lunch box", "umbrella",
		"scarf", "planter", "doorstop", "tea towel", "gift wrap", "card holder", "key ring", "storage tin"}
	titleAdjectives = []string{"vintage", "classic", "retro", "rustic", "modern", "floral", "striped",
		"spotty", "heart", "star", "woodland", "paisley", "regency", "alpine", "nautical", "garden"}
	titleColours = []string{"red", "blue", "green", "pink", "ivory", "black", "white", "gold", "silver",
		"cream", "lilac", "teal", "mustard", "grey"}
)

// WriteCatalog writes the catalog of c as CSV (CatalogHeader): every item,
// in rank order, with a title, a price and its group as category. Items of a
// group share a noun and a price level, so a shop built on the log looks
// like one.
func WriteCatalog(w io.Writer, c Config) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("write catalog: %w", err)
	}
	wd := newWorld(c)
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := csv.NewWriter(bw)
	if err := cw.Write([]string{"id", "title", "price", "category"}); err != nil {
		return fmt.Errorf("write catalog: %w", err)
	}
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	rec := make([]string, 4)
	for i := range c.Items {
		g := int(wd.group[i])
		pcg.Seed(^c.Seed, streamCatalog+uint64(g))
		level := math.Exp(1.5 + 1.2*r.NormFloat64()) // the group's median price, about 4.5
		pcg.Seed(c.Seed, streamCatalog+uint64(i))
		price := math.Max(0.29, level*math.Exp(0.3*r.NormFloat64()))
		price = math.Round(price*100) / 100
		rec[0] = ItemID(i)
		rec[1] = titleAdjectives[r.IntN(len(titleAdjectives))] + " " + titleColours[r.IntN(len(titleColours))] + " " +
			titleNouns[g%len(titleNouns)] + " " + strconv.Itoa(i)
		rec[2] = strconv.FormatFloat(price, 'f', 2, 64)
		rec[3] = GroupID(g)
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write catalog: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write catalog: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write catalog: %w", err)
	}
	return nil
}
