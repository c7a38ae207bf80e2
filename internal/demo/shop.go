// Package demo is the synthetic shop behind `privrec serve`'s embedded
// default: a small catalog of plausible products and an interaction log with
// real structure (co-purchase clusters, views before carts before
// purchases, time-of-day habits), generated from a fixed seed so every build
// trains the same model. Nothing here is read from a dataset.
//
// Bundle trains that log in memory and signs it with a caller's key, so the
// demo needs no files besides the module itself.
package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/train"
)

// Seed is the default seed of the synthetic log.
const Seed = 20260501

// epoch is the start of the synthetic log; it lasts logDays days.
var epoch = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

const logDays = 120

// kit is a set of products people buy together, the structure the model
// should learn. Kits cut across categories on purpose: "because you bought
// the grinder" should be able to recommend beans from another aisle.
type kit struct {
	name  string
	items []string
	hours [2]int // the hours of day (UTC) its shoppers favour, inclusive
}

// product rows: id, title, price, category, kit.
var products = []struct {
	id, title string
	price     float64
	category  string
	kit       string
}{
	// Coffee & tea
	{"espresso-beans", "Espresso Roast Beans, 1 kg", 24.90, "Coffee & Tea", "espresso"},
	{"burr-grinder", "Conical Burr Grinder", 89.00, "Coffee & Tea", "espresso"},
	{"tamper", "Stainless Steel Tamper, 58 mm", 19.50, "Coffee & Tea", "espresso"},
	{"milk-jug", "Milk Frothing Jug, 600 ml", 14.90, "Coffee & Tea", "espresso"},
	{"espresso-cups", "Espresso Cups, Set of 4", 22.00, "Kitchen", "espresso"},
	{"knock-box", "Espresso Knock Box", 17.00, "Coffee & Tea", "espresso"},
	{"gooseneck-kettle", "Gooseneck Pour-Over Kettle", 45.00, "Coffee & Tea", "pourover"},
	{"ceramic-dripper", "Ceramic Pour-Over Dripper", 24.00, "Coffee & Tea", "pourover"},
	{"paper-filters", "Paper Filters, 100 pack", 6.50, "Coffee & Tea", "pourover"},
	{"coffee-scale", "Coffee Scale with Timer", 29.00, "Coffee & Tea", "pourover"},
	{"filter-beans", "Light Roast Filter Beans, 500 g", 13.90, "Coffee & Tea", "pourover"},
	{"glass-carafe", "Glass Carafe, 800 ml", 18.00, "Kitchen", "pourover"},
	{"loose-leaf-green", "Sencha Green Tea, 100 g", 9.90, "Coffee & Tea", "tea"},
	{"earl-grey", "Earl Grey Loose Leaf, 100 g", 8.50, "Coffee & Tea", "tea"},
	{"teapot", "Cast Iron Teapot, 0.8 l", 39.00, "Coffee & Tea", "tea"},
	{"tea-infuser", "Mesh Tea Infuser", 5.90, "Coffee & Tea", "tea"},
	{"honey-jar", "Wildflower Honey, 500 g", 11.00, "Pantry", "tea"},
	{"tea-cups", "Porcelain Tea Cups, Set of 2", 21.00, "Kitchen", "tea"},
	// Kitchen & baking
	{"sourdough-starter", "Dried Sourdough Starter", 7.90, "Pantry", "bread"},
	{"bread-flour", "Strong Bread Flour, 5 kg", 12.50, "Pantry", "bread"},
	{"banneton", "Rattan Proofing Basket", 16.00, "Kitchen", "bread"},
	{"dutch-oven", "Enamelled Dutch Oven, 5 l", 79.00, "Kitchen", "bread"},
	{"bread-lame", "Bread Scoring Lame", 8.00, "Kitchen", "bread"},
	{"dough-scraper", "Bench Dough Scraper", 6.00, "Kitchen", "bread"},
	{"stand-mixer", "Stand Mixer, 5 l", 249.00, "Kitchen", "cake"},
	{"cake-tin", "Springform Cake Tin, 24 cm", 15.00, "Kitchen", "cake"},
	{"piping-set", "Piping Bag and Nozzle Set", 12.00, "Kitchen", "cake"},
	{"vanilla-pods", "Madagascar Vanilla Pods, 3", 9.50, "Pantry", "cake"},
	{"cooling-rack", "Wire Cooling Rack", 10.00, "Kitchen", "cake"},
	{"chefs-knife", "Chef's Knife, 20 cm", 65.00, "Kitchen", "knives"},
	{"whetstone", "Whetstone 1000/6000", 32.00, "Kitchen", "knives"},
	{"cutting-board", "End-Grain Cutting Board", 55.00, "Kitchen", "knives"},
	{"knife-roll", "Canvas Knife Roll", 28.00, "Kitchen", "knives"},
	{"board-oil", "Cutting Board Oil", 9.00, "Kitchen", "knives"},
	{"olive-oil", "Extra Virgin Olive Oil, 1 l", 14.00, "Pantry", "pasta"},
	{"pasta-machine", "Pasta Machine", 59.00, "Kitchen", "pasta"},
	{"semolina", "Semola Rimacinata, 1 kg", 4.50, "Pantry", "pasta"},
	{"parmesan-grater", "Rotary Cheese Grater", 19.00, "Kitchen", "pasta"},
	{"pasta-drying-rack", "Pasta Drying Rack", 17.50, "Kitchen", "pasta"},
	{"san-marzano", "San Marzano Tomatoes, 6 tins", 13.00, "Pantry", "pasta"},
	// Garden
	{"seed-tomato", "Heirloom Tomato Seeds", 3.50, "Garden", "veg"},
	{"seed-basil", "Genovese Basil Seeds", 2.90, "Garden", "veg"},
	{"seed-tray", "Seed Starting Tray", 11.00, "Garden", "veg"},
	{"compost", "Peat-Free Compost, 40 l", 9.90, "Garden", "veg"},
	{"watering-can", "Galvanised Watering Can", 34.00, "Garden", "veg"},
	{"plant-labels", "Slate Plant Labels, 10", 8.00, "Garden", "veg"},
	{"pruning-shears", "Bypass Pruning Shears", 27.00, "Garden", "tools"},
	{"garden-gloves", "Leather Garden Gloves", 16.00, "Garden", "tools"},
	{"hand-trowel", "Stainless Hand Trowel", 14.00, "Garden", "tools"},
	{"kneeler", "Foam Garden Kneeler", 12.00, "Garden", "tools"},
	{"tool-bag", "Waxed Canvas Tool Bag", 38.00, "Garden", "tools"},
	{"bird-feeder", "Hanging Bird Feeder", 24.00, "Garden", "birds"},
	{"bird-seed", "Wild Bird Seed Mix, 2 kg", 8.90, "Garden", "birds"},
	{"nest-box", "Wooden Nest Box", 22.00, "Garden", "birds"},
	{"bird-bath", "Stone Bird Bath", 45.00, "Garden", "birds"},
	{"binoculars", "Compact Binoculars 8x25", 69.00, "Outdoor", "birds"},
	// Outdoor
	{"hiking-socks", "Merino Hiking Socks", 18.00, "Outdoor", "hiking"},
	{"daypack", "Daypack, 22 l", 75.00, "Outdoor", "hiking"},
	{"water-bottle", "Insulated Bottle, 750 ml", 27.00, "Outdoor", "hiking"},
	{"trail-map", "Regional Trail Map", 9.00, "Books", "hiking"},
	{"trekking-poles", "Trekking Poles, Pair", 59.00, "Outdoor", "hiking"},
	{"rain-shell", "Packable Rain Shell", 119.00, "Outdoor", "hiking"},
	{"camp-stove", "Compact Camp Stove", 49.00, "Outdoor", "camping"},
	{"gas-canister", "Gas Canister, 230 g", 6.50, "Outdoor", "camping"},
	{"camp-mug", "Enamel Camp Mug", 12.00, "Outdoor", "camping"},
	{"headlamp", "Rechargeable Headlamp", 35.00, "Outdoor", "camping"},
	{"sleeping-mat", "Self-Inflating Sleeping Mat", 65.00, "Outdoor", "camping"},
	{"camp-pot", "Titanium Camp Pot", 42.00, "Outdoor", "camping"},
	{"picnic-blanket", "Waterproof Picnic Blanket", 29.00, "Outdoor", "picnic"},
	{"cool-bag", "Insulated Cool Bag", 24.00, "Outdoor", "picnic"},
	{"enamel-plates", "Enamel Plates, Set of 4", 26.00, "Outdoor", "picnic"},
	{"flask", "Vacuum Flask, 1 l", 31.00, "Outdoor", "picnic"},
	// Books & stationery
	{"book-bread", "Book: Flour Water Salt Yeast", 24.00, "Books", "bread"},
	{"book-coffee", "Book: The World Atlas of Coffee", 28.00, "Books", "pourover"},
	{"book-garden", "Book: The Vegetable Grower's Year", 22.00, "Books", "veg"},
	{"book-birds", "Book: Garden Birds Field Guide", 14.00, "Books", "birds"},
	{"book-pasta", "Book: Pasta Grannies", 23.00, "Books", "pasta"},
	{"book-hiking", "Book: Walks of the Northern Fells", 16.00, "Books", "hiking"},
	{"notebook-a5", "Dot-Grid Notebook, A5", 15.00, "Stationery", "journal"},
	{"fountain-pen", "Fountain Pen, Fine Nib", 34.00, "Stationery", "journal"},
	{"ink-bottle", "Blue-Black Ink, 50 ml", 12.00, "Stationery", "journal"},
	{"washi-tape", "Washi Tape, Set of 6", 8.00, "Stationery", "journal"},
	{"desk-lamp", "Brass Desk Lamp", 89.00, "Stationery", "journal"},
	{"field-notes", "Pocket Field Notebooks, 3", 11.00, "Stationery", "hiking"},
	{"pressed-flower-kit", "Flower Press Kit", 19.00, "Stationery", "veg"},
	{"recipe-cards", "Recipe Cards and Box", 17.00, "Stationery", "cake"},
	{"tasting-journal", "Coffee Tasting Journal", 12.00, "Stationery", "pourover"},
	{"postcards", "Botanical Postcards, 12", 9.00, "Stationery", "birds"},
}

// kitHours are the hours (UTC) each kit's shoppers favour, so the trained
// context lists ("hour:7") differ from plain popularity.
var kitHours = map[string][2]int{
	"espresso": {6, 9}, "pourover": {7, 10}, "tea": {15, 18},
	"bread": {17, 21}, "cake": {14, 18}, "knives": {18, 22}, "pasta": {18, 21},
	"veg": {8, 12}, "tools": {9, 13}, "birds": {7, 11},
	"hiking": {19, 23}, "camping": {19, 23}, "picnic": {11, 14},
	"journal": {20, 23},
}

func kits() []kit {
	byName := map[string]*kit{}
	var names []string
	for _, p := range products {
		k, ok := byName[p.kit]
		if !ok {
			k = &kit{name: p.kit, hours: kitHours[p.kit]}
			byName[p.kit] = k
			names = append(names, p.kit)
		}
		k.items = append(k.items, p.id)
	}
	out := make([]kit, len(names))
	for i, n := range names {
		out[i] = *byName[n]
	}
	return out
}

// Catalog returns the demo shop's products, in a fixed order. The slice is
// new on every call; callers may modify it.
func Catalog() []model.Item {
	out := make([]model.Item, len(products))
	for i, p := range products {
		out[i] = model.Item{ID: p.id, Title: p.title, Price: p.price, Category: p.category, Tags: []string{p.kit}}
	}
	return out
}

// LogConfig shapes the synthetic interaction log. The zero value is not
// valid; start from DefaultLogConfig.
type LogConfig struct {
	// Seed makes the log reproducible: the same config gives the same log.
	Seed uint64
	// Shoppers is the number of synthetic shoppers. Default 1500.
	Shoppers int
	// MaxSessions bounds each shopper's visits; each visits 1..MaxSessions
	// times over the log's 120 days. Default 6.
	MaxSessions int
	// Noise is the probability that a viewed item is drawn from the whole
	// catalog rather than the shopper's kits. Default 0.15.
	Noise float64
}

// DefaultLogConfig is the log the demo bundle is trained on.
func DefaultLogConfig() LogConfig {
	return LogConfig{Seed: Seed, Shoppers: 1500, MaxSessions: 6, Noise: 0.15}
}

// Validate reports whether c can generate a log.
func (c LogConfig) Validate() error {
	switch {
	case c.Shoppers < 1 || c.Shoppers > 1_000_000:
		return fmt.Errorf("%w: validate log config: shoppers is %d; want 1..1000000", model.ErrBadRequest, c.Shoppers)
	case c.MaxSessions < 1 || c.MaxSessions > 1000:
		return fmt.Errorf("%w: validate log config: max sessions is %d; want 1..1000", model.ErrBadRequest, c.MaxSessions)
	case !(c.Noise >= 0 && c.Noise <= 1):
		return fmt.Errorf("%w: validate log config: noise is %v; want 0..1", model.ErrBadRequest, c.Noise)
	}
	return nil
}

// Log generates the synthetic interaction log. Each shopper favours one or
// two kits; in each session they view a few items (mostly from their kits,
// sometimes anything), put some of them in the cart and buy most of what
// they carted, at the hours their kits favour.
func Log(c LogConfig) (*train.Log, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	ks := kits()
	// Kits differ in appeal, so popularity is not flat.
	appeal := make([]float64, len(ks))
	total := 0.0
	for i := range ks {
		appeal[i] = 1 + 3*rng.Float64()
		total += appeal[i]
	}
	pickKit := func() int {
		x := rng.Float64() * total
		for i, a := range appeal {
			if x < a {
				return i
			}
			x -= a
		}
		return len(ks) - 1
	}
	var out []train.Interaction
	for u := 0; u < c.Shoppers; u++ {
		user := fmt.Sprintf("shopper-%05d", u)
		mine := []int{pickKit()}
		if rng.Float64() < 0.5 {
			if k := pickKit(); k != mine[0] {
				mine = append(mine, k)
			}
		}
		sessions := 1 + rng.IntN(c.MaxSessions)
		for s := 0; s < sessions; s++ {
			k := ks[mine[rng.IntN(len(mine))]]
			day := rng.IntN(logDays)
			hour := k.hours[0] + rng.IntN(k.hours[1]-k.hours[0]+1)
			if rng.Float64() < 0.2 {
				hour = rng.IntN(24)
			}
			at := epoch.Add(time.Duration(day)*24*time.Hour + time.Duration(hour)*time.Hour + time.Duration(rng.IntN(3600))*time.Second)
			basket := fmt.Sprintf("%s-%d", user, s)
			views := 2 + rng.IntN(5)
			seen := map[string]bool{}
			for v := 0; v < views; v++ {
				item := k.items[rng.IntN(len(k.items))]
				if rng.Float64() < c.Noise {
					item = products[rng.IntN(len(products))].id
				}
				if seen[item] {
					continue
				}
				seen[item] = true
				at = at.Add(time.Duration(30+rng.IntN(240)) * time.Second)
				out = append(out, train.Interaction{User: user, Item: item, Kind: model.KindView, At: at.UnixMilli(), Basket: basket, Quantity: 1})
				inKit := contains(k.items, item)
				pCart := 0.15
				if inKit {
					pCart = 0.55
				}
				if rng.Float64() < pCart {
					at = at.Add(time.Duration(10+rng.IntN(60)) * time.Second)
					out = append(out, train.Interaction{User: user, Item: item, Kind: model.KindCart, At: at.UnixMilli(), Basket: basket, Quantity: 1})
					if rng.Float64() < 0.7 {
						out = append(out, train.Interaction{User: user, Item: item, Kind: model.KindPurchase, At: at.Add(5 * time.Minute).UnixMilli(), Basket: basket, Quantity: 1})
					}
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At < out[j].At })
	return &train.Log{Interactions: out, Catalog: Catalog()}, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
