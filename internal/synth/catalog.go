package synth

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/privrec/privrec/model"
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
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := csv.NewWriter(bw)
	if err := cw.Write([]string{"id", "title", "price", "category"}); err != nil {
		return fmt.Errorf("write catalog: %w", err)
	}
	rec := make([]string, 4)
	err := eachItem(c, func(it model.Item) error {
		rec[0], rec[1], rec[2], rec[3] = it.ID, it.Title, strconv.FormatFloat(it.Price, 'f', 2, 64), it.Category
		return cw.Write(rec)
	})
	if err != nil {
		return fmt.Errorf("write catalog: %w", err)
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

// Catalog returns the items WriteCatalog writes, for code that packs a
// bundle without going through a file.
func Catalog(c Config) ([]model.Item, error) {
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	out := make([]model.Item, 0, c.Items)
	_ = eachItem(c, func(it model.Item) error {
		out = append(out, it)
		return nil
	})
	return out, nil
}

// eachItem calls fn with every catalog item of c, in rank order.
func eachItem(c Config, fn func(model.Item) error) error {
	wd := newWorld(c)
	pcg := rand.NewPCG(0, 0)
	r := rand.New(pcg)
	for i := range c.Items {
		g := int(wd.group[i])
		pcg.Seed(^c.Seed, streamCatalog+uint64(g))
		level := math.Exp(1.5 + 1.2*r.NormFloat64()) // the group's median price, about 4.5
		pcg.Seed(c.Seed, streamCatalog+uint64(i))
		price := math.Max(0.29, level*math.Exp(0.3*r.NormFloat64()))
		it := model.Item{
			ID: ItemID(i),
			Title: titleAdjectives[r.IntN(len(titleAdjectives))] + " " + titleColours[r.IntN(len(titleColours))] + " " +
				titleNouns[g%len(titleNouns)] + " " + strconv.Itoa(i),
			Price:    math.Round(price*100) / 100,
			Category: GroupID(g),
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}
