package browsertest

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

var screenshotDir = flag.String("screenshots", "", "write the demo's README screenshots (360 and 1280 px wide) into this directory")

// TestDemoStorefront is issue 13's demo in Chromium, at 360 px and at 1280
// px: the header keeps the consent badge in view; the consent banner's "No
// thanks" looks like its "Yes" and, once chosen, stays dismissed across
// views and reloads; products in the cart are not recommended; lowering
// consent says what it will delete before it does; the dashboard leads with
// plain words, says "not differentially private" in words and folds the
// technical details; and its live network log, built from Resource Timing,
// lists every request Chromium reported over CDP (page and worker).
func TestDemoStorefront(t *testing.T) {
	base, _, served := demoServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), sessionTimeout)
	defer cancel()
	bctx := newBrowser(t, ctx)
	rec := &recorder{}
	if err := chromedp.Listen(bctx, rec.listen("page")); err != nil {
		t.Fatal(err)
	}
	shots := *screenshotDir
	if shots == "" {
		shots = t.TempDir()
	}
	shoot := func(name string) {
		t.Helper()
		// The toast of the last action would cover the view.
		step(t, bctx, "hide the toast", chromedp.Evaluate[chromedp.Void](`document.querySelector('#toast').style.visibility = 'hidden'`))
		screenshot(t, bctx, filepath.Join(shots, name))
	}

	step(t, bctx, "360 px wide", chromedp.EmulateViewport(360, 760))
	step(t, bctx, "open the shop", chromedp.Navigate(base+"/"))
	waitFor(t, bctx, "the page to load the model", `document.body.dataset.ready !== 'false'`)
	if got := eval[string](t, bctx, "document.body.dataset.ready"); got != "true" {
		t.Fatalf("the page did not start: %s", eval[string](t, bctx, "document.querySelector('main').innerText"))
	}

	// The header at 360 px: nothing wider than the screen, the badge in view.
	checkFits := func(view string) {
		t.Helper()
		if w := eval[int](t, bctx, "document.documentElement.scrollWidth"); w > 360 {
			t.Errorf("%s at 360 px: the page is %d px wide", view, w)
		}
		badge := eval[[]float64](t, bctx, `(() => { const r = document.querySelector('#consent-badge').getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom, r.width]; })()`)
		if badge[0] < 0 || badge[1] > 360 || badge[4] == 0 {
			t.Errorf("%s at 360 px: the consent badge is at %v, not in view", view, badge)
		}
	}
	checkFits("shop")

	// The banner: three answers that look alike, "No thanks" among them.
	if eval[bool](t, bctx, `document.querySelector('#consent-notice').hidden`) {
		t.Fatal("no consent banner on the first visit")
	}
	looks := eval[[]string](t, bctx, `[...document.querySelectorAll('#consent-notice [data-consent-choice]')].map(b => {
		const s = getComputedStyle(b), r = b.getBoundingClientRect();
		return [b.dataset.consentChoice, b.textContent, s.backgroundColor, s.color, s.fontWeight, s.fontSize, Math.round(r.height)].join('|');
	})`)
	if len(looks) != 3 || !strings.HasPrefix(looks[0], "off|No thanks|") {
		t.Fatalf("banner buttons %q; want No thanks first, then the two yes", looks)
	}
	// Everything but the choice and the label: colours, weight, size, height.
	style := func(s string) string { return strings.Join(strings.Split(s, "|")[2:], "|") }
	for _, l := range looks[1:] {
		if style(l) != style(looks[0]) {
			t.Errorf("banner button %q does not look like %q", l, looks[0])
		}
	}
	shoot("demo-360-shop.png")

	click(t, bctx, `[data-consent-choice="off"]`)
	waitFor(t, bctx, "the banner to go", `document.querySelector('#consent-notice').hidden`)
	for _, hash := range []string{"#/cart", "#/p/tamper", "#/"} {
		step(t, bctx, "show "+hash, chromedp.Evaluate[chromedp.Void](`location.hash = '`+hash+`'`))
		waitFor(t, bctx, "view "+hash, `document.querySelector('main > *:not(.loading)') && location.hash === '`+hash+`'`)
		if !eval[bool](t, bctx, `document.querySelector('#consent-notice').hidden`) {
			t.Errorf("the banner came back on %s after No thanks", hash)
		}
	}
	// The page's timeline starts again with the reload: the log lists this
	// document's requests, so CDP's count starts there too.
	rec.mu.Lock()
	rec.requests = nil
	rec.mu.Unlock()
	fromServed := len(served())
	if ls := eval[string](t, bctx, `JSON.stringify({...localStorage})`); ls != `{"fieldhouse:consent-asked":"answered"}` {
		t.Errorf("local storage after No thanks holds %s; want only the note that the shopper answered", ls)
	}
	step(t, bctx, "reload", chromedp.Reload())
	waitFor(t, bctx, "the page to load again", `document.body.dataset.ready === 'true'`)
	if !eval[bool](t, bctx, `document.querySelector('#consent-notice').hidden`) {
		t.Error("the banner came back after a reload, after No thanks")
	}

	// Cart items are not recommended: the first suggestion, put in the
	// cart, leaves the strip of the shop and of the cart.
	waitRender(t, bctx, "shop")
	recs := `[...document.querySelectorAll('.recs .rec')].map(e => e.dataset.item)`
	first := eval[[]string](t, bctx, recs)
	if len(first) == 0 {
		t.Fatal("no recommendations")
	}
	carted := first[0]
	step(t, bctx, "show "+carted, chromedp.Evaluate[chromedp.Void](`location.hash = '#/p/`+carted+`'`))
	waitFor(t, bctx, "product "+carted, `document.querySelector('.detail[data-item="`+carted+`"]') !== null`)
	click(t, bctx, `.detail button[data-add]`)
	waitFor(t, bctx, "cart count", `document.querySelector('#cart-count').textContent === '1'`)
	for _, hash := range []string{"#/", "#/cart"} {
		step(t, bctx, "show "+hash, chromedp.Evaluate[chromedp.Void](`location.hash = '`+hash+`'`))
		waitFor(t, bctx, "recommendations on "+hash, `location.hash === '`+hash+`' && document.querySelectorAll('.recs .rec').length > 0`)
		if got := eval[[]string](t, bctx, recs); slices.Contains(got, carted) {
			t.Errorf("%s recommends %s, which is in the cart: %v", hash, carted, got)
		}
	}
	checkFits("cart")
	// Remove it again: it may be suggested again.
	click(t, bctx, `[data-remove="`+carted+`"]`)
	waitFor(t, bctx, "the cart to empty", `document.querySelector('#cart-count').textContent === '0'`)

	// Opt in on the dashboard and browse: lowering consent warns first.
	step(t, bctx, "show the dashboard", chromedp.Evaluate[chromedp.Void](`location.hash = '#/privacy'`))
	waitRender(t, bctx, "privacy")
	click(t, bctx, `input[name="consent"][value="full"]`)
	waitFor(t, bctx, "consent full", `document.body.dataset.consent === 'full'`)
	for _, item := range tracked[:2] {
		step(t, bctx, "show "+item, chromedp.Evaluate[chromedp.Void](`location.hash = '#/p/`+item+`'`))
		waitFor(t, bctx, "product "+item, `document.querySelector('.detail[data-item="`+item+`"]') !== null`)
	}
	step(t, bctx, "show the dashboard", chromedp.Evaluate[chromedp.Void](`location.hash = '#/privacy'`))
	waitRender(t, bctx, "privacy")
	waitFor(t, bctx, "two events listed", `document.querySelectorAll('[data-testid="history"] tbody tr[data-event]').length === 2`)
	for _, level := range []string{"session", "off"} {
		warn := eval[string](t, bctx, `document.querySelector('[data-testid="warn-`+level+`"]')?.textContent ?? ''`)
		if !strings.Contains(warn, "deletes") || !strings.Contains(warn, "2 events") {
			t.Errorf("the %s choice warns %q before the change; want it to say it deletes the 2 events", level, warn)
		}
	}
	if warn := eval[string](t, bctx, `document.querySelector('[data-testid="warn-full"]')?.textContent ?? ''`); warn != "" {
		t.Errorf("the current level warns %q", warn)
	}

	// Plain words first, technical details folded below.
	order := eval[[]string](t, bctx, `[...document.querySelectorAll('main [data-testid]')].map(e => e.dataset.testid)`)
	if i, j := slices.Index(order, "plain"), slices.Index(order, "tech"); i < 0 || j < 0 || i > j {
		t.Errorf("dashboard sections %v: want the plain summary before the technical details", order)
	}
	if eval[bool](t, bctx, `document.querySelector('[data-testid="tech"]').open`) {
		t.Error("the technical details are unfolded at first")
	}
	if sum := eval[string](t, bctx, `document.querySelector('[data-testid="summary"]').textContent`); !strings.Contains(sum, "2 events") || !strings.Contains(sum, "90 days") {
		t.Errorf("summary %q: want what is kept (2 events) and for how long", sum)
	}
	facts := eval[string](t, bctx, `document.querySelector('[data-testid="model"]').textContent`)
	if !strings.Contains(facts, "Not differentially private") || strings.Contains(facts, "ε = 0") {
		t.Errorf("model facts %q: want \"Not differentially private\" in words, no ε = 0", facts)
	}
	checkFits("dashboard")
	shoot("demo-360-privacy.png")
	step(t, bctx, "1280 px wide", chromedp.EmulateViewport(1280, 900))
	shoot("demo-1280-privacy.png")

	// Lower to this visit: the toast says what went.
	click(t, bctx, `input[name="consent"][value="session"]`)
	waitFor(t, bctx, "consent session", `document.body.dataset.consent === 'session'`)
	waitFor(t, bctx, "the toast", `document.querySelector('#toast').textContent.includes('Deleted the 2 events')`)

	// The network log against CDP: the worker's requests from here on
	// (a model update check), the page's from the start.
	wctx := attachWorker(t, bctx)
	if err := chromedp.Listen(wctx, rec.listen("worker")); err != nil {
		t.Fatal(err)
	}
	click(t, bctx, `[data-testid="tech"] > summary`)
	click(t, bctx, `#update`)
	waitFor(t, bctx, "the update check", `document.querySelector('#toast').textContent.startsWith('Model version')`)
	reqs, _, _ := rec.snapshot()
	var want []string
	by := map[string]int{}
	for _, r := range reqs {
		u, err := url.Parse(r.url)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			continue // blob: and data: URLs never reach the network
		}
		want = append(want, r.method+" "+r.url)
		by[r.session]++
	}
	if by["page"] == 0 || by["worker"] == 0 {
		t.Fatalf("CDP recorded requests by session %v; want some of the page and of the worker", by)
	}
	logged := `new Set([...document.querySelectorAll('[data-testid="netlog"] tbody tr')].map(r => r.dataset.method + ' ' + r.dataset.url))`
	list, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	missing := fmt.Sprintf(`(() => { const have = %s; return %s.filter(w => !have.has(w)); })()`, logged, list)
	if _, err := chromedp.Run(bctx, chromedp.Poll[bool](fmt.Sprintf("%s.length === 0", missing), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("the network log lacks requests CDP recorded: %v", eval[[]string](t, bctx, missing))
	}
	// The server saw the worker's first fetches too, which no CDP session
	// could (the worker is attached once it runs): each is in the log.
	paths := map[string]bool{}
	for _, p := range eval[[]string](t, bctx, `[...document.querySelectorAll('[data-testid="netlog"] tbody tr')].map(r => new URL(r.dataset.url).pathname)`) {
		paths[p] = true
	}
	for _, e := range served()[fromServed:] {
		if !paths[e.Path] {
			t.Errorf("the server answered %v, which the network log does not list", e)
		}
	}
	rows := eval[int](t, bctx, `document.querySelectorAll('[data-testid="netlog"] tbody tr').length`)
	t.Logf("the network log lists %d requests; CDP recorded %d (%v)", rows, len(want), by)
	net, err := chromedp.Run(bctx, chromedp.Screenshot(chromedp.CSS(`section[aria-labelledby="p-net"]`)))
	if err != nil {
		t.Fatalf("screenshot of the network log: %v", err)
	}
	if err := os.WriteFile(filepath.Join(shots, "demo-1280-network.png"), net, 0o644); err != nil {
		t.Fatal(err)
	}

	step(t, bctx, "show the shop", chromedp.Evaluate[chromedp.Void](`location.hash = '#/p/burr-grinder'`))
	waitFor(t, bctx, "product", `document.querySelector('.detail[data-item="burr-grinder"]') !== null && document.querySelectorAll('.recs .rec').length > 0`)
	shoot("demo-1280-product.png")
	if *screenshotDir != "" {
		t.Logf("screenshots written to %s", shots)
	}
}
