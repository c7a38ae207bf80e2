package host

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/privrec/privrec/model"
	"github.com/privrec/privrec/model/bundle"
)

// storeBundle is the bundle the audit loads when it is given none: a
// small store drawn from the seed, so that no fixed catalog marks the
// audit (a module could serve a well-known synthetic catalog honestly and
// real stores otherwise). Its size (120 to 480 items), its id style (stock
// codes, SKUs or slugs), its categories, prices, popularity, neighbours and
// hour and device contexts all vary with the seed. It is signed with a key
// derived from the seed, valid for a day around now: nobody else trusts
// it.
func storeBundle(wasm []byte, now time.Time, seed uint64) (*bundle.Files, ed25519.PublicKey, string, error) {
	rng := rand.New(rand.NewPCG(seed, 0x73746f7265))
	n := 120 + rng.IntN(361)
	style := rng.IntN(3)
	allCats := []string{"kitchen", "home decor", "lighting", "garden", "stationery", "bags", "toys", "bath",
		"candles", "textiles", "tableware", "storage", "gifts", "jewellery", "christmas", "party"}
	rng.Shuffle(len(allCats), func(i, j int) { allCats[i], allCats[j] = allCats[j], allCats[i] })
	cats := allCats[:4+rng.IntN(8)]
	words := []string{"vintage", "heart", "glass", "linen", "wooden", "enamel", "floral", "retro", "ceramic",
		"paper", "wicker", "copper", "pastel", "spotty", "striped", "rose", "mint", "ivory", "set of 3", "large", "mini"}
	things := []string{"mug", "lantern", "cushion", "tin", "bottle", "jar", "hook", "frame", "candle", "tray",
		"bag", "clock", "bowl", "doorstop", "garland", "notebook", "apron", "holder", "sign", "basket"}

	ids := make([]string, 0, n)
	seen := map[string]bool{}
	items := make([]model.Item, 0, n)
	for len(ids) < n {
		title := words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))] + " " + things[rng.IntN(len(things))]
		var id string
		switch style {
		case 0: // stock codes, some with a variant letter
			id = fmt.Sprintf("%05d", 10000+rng.IntN(90000))
			if rng.IntN(4) == 0 {
				id += string(rune('A' + rng.IntN(6)))
			}
		case 1: // SKUs
			id = fmt.Sprintf("SKU-%04d-%c%c", rng.IntN(10000), 'A'+rune(rng.IntN(26)), 'A'+rune(rng.IntN(26)))
		default: // slugs
			id = strings.ReplaceAll(title, " ", "-") + fmt.Sprintf("-%d", 1+rng.IntN(99))
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
		items = append(items, model.Item{ID: id, Title: strings.ToUpper(title[:1]) + title[1:],
			Price: math.Round((0.5+rng.ExpFloat64()*8)*100) / 100, Category: cats[rng.IntN(len(cats))]})
	}
	byCat := map[string][]int32{}
	for i, it := range items {
		byCat[it.Category] = append(byCat[it.Category], int32(i))
	}
	spec := &model.Spec{Items: ids, Neighbors: make([][]model.Neighbor, n), Popularity: make([]float32, n),
		Contexts: map[string][]model.Neighbor{}, Params: model.DefaultParams()}
	for i := range n {
		// Long-tailed popularity; neighbours mostly from the same category.
		spec.Popularity[i] = float32(1 / math.Pow(float64(1+rng.IntN(n)), 0.8))
		picked := map[int32]bool{int32(i): true}
		for range 3 + rng.IntN(10) {
			j := int32(rng.IntN(n))
			if same := byCat[items[i].Category]; rng.IntN(4) > 0 && len(same) > 1 {
				j = same[rng.IntN(len(same))]
			}
			if !picked[j] {
				picked[j] = true
				spec.Neighbors[i] = append(spec.Neighbors[i], model.Neighbor{Item: j, Weight: 0.05 + rng.Float32()})
			}
		}
		nb := spec.Neighbors[i]
		for a := 1; a < len(nb); a++ { // best first
			for b := a; b > 0 && nb[b].Weight > nb[b-1].Weight; b-- {
				nb[b], nb[b-1] = nb[b-1], nb[b]
			}
		}
	}
	for _, key := range []string{"hour:9", "hour:13", "hour:20", "device:mobile", "device:desktop", "weekday:6"} {
		if rng.IntN(3) > 0 {
			spec.Contexts[key] = []model.Neighbor{{Item: int32(rng.IntN(n)), Weight: 0.1 + rng.Float32()/2}}
		}
	}
	var bid [16]byte
	binary.BigEndian.PutUint64(bid[:], rng.Uint64())
	binary.BigEndian.PutUint64(bid[8:], rng.Uint64())
	weights, err := model.EncodeWeights(spec, bid)
	if err != nil {
		return nil, nil, "", fmt.Errorf("make the audit's store bundle: %w", err)
	}
	catalog, err := model.EncodeCatalog(items, bid)
	if err != nil {
		return nil, nil, "", fmt.Errorf("make the audit's store bundle: %w", err)
	}
	var keySeed [8]byte
	binary.BigEndian.PutUint64(keySeed[:], seed)
	kh := sha256.Sum256(append([]byte("privrec audit store key\x00"), keySeed[:]...))
	priv := ed25519.NewKeyFromSeed(kh[:])
	files := &bundle.Files{Weights: weights, Catalog: catalog, Wasm: wasm}
	ms := now.UnixMilli()
	meta := bundle.Meta{Version: 1 + uint64(rng.IntN(400)), Created: ms - int64(1+rng.IntN(48))*time.Hour.Milliseconds(),
		Expires: ms + 24*time.Hour.Milliseconds(), BundleID: bid}
	if err := bundle.Sign(files, meta, priv); err != nil {
		return nil, nil, "", fmt.Errorf("make the audit's store bundle: %w", err)
	}
	what := fmt.Sprintf("synthetic store of %d items (%s), ephemeral key", n, []string{"stock codes", "SKUs", "slugs"}[style])
	return files, priv.Public().(ed25519.PublicKey), what, nil
}
