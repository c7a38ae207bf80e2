package browsertest

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSessionConsent is promise 5's middle level in a real browser: with
// "this visit only", the dashboard lists what the shopper did, IndexedDB
// holds none of it, and a reload (a new worker, as when the tab closes)
// forgets it.
func TestSessionConsent(t *testing.T) {
	bctx := openDashboard(t)
	click(t, bctx, `input[name="consent"][value="session"]`)
	waitFor(t, bctx, "consent session", `document.body.dataset.consent === 'session'`)

	for _, item := range tracked[:2] {
		step(t, bctx, "show "+item, chromedp.Evaluate[chromedp.Void](`location.hash = '#/p/`+item+`'`))
		waitFor(t, bctx, "product "+item, `document.querySelector('.detail[data-item="`+item+`"]') !== null`)
	}
	step(t, bctx, "show the dashboard", chromedp.Evaluate[chromedp.Void](`location.hash = '#/privacy'`))
	waitRender(t, bctx, "privacy")
	rows := `document.querySelectorAll('[data-testid="history"] tbody tr[data-event]').length`
	waitFor(t, bctx, "the two views listed", rows+` === 2`)
	if d := readIDB(t, bctx); len(d.Events) != 0 {
		t.Errorf("IndexedDB holds %d events under session consent; want none", len(d.Events))
	}
	checkNoHistoryOutsideIDB(t, bctx)

	step(t, bctx, "reload", chromedp.Reload())
	waitFor(t, bctx, "the page to load again", `document.body.dataset.ready === 'true'`)
	waitRender(t, bctx, "privacy")
	if n := eval[int](t, bctx, rows); n != 0 {
		t.Errorf("dashboard lists %d events after a reload under session consent; want none", n)
	}
	if d := readIDB(t, bctx); len(d.Events) != 0 {
		t.Errorf("IndexedDB holds %d events after the reload", len(d.Events))
	}
	checkNoHistoryOutsideIDB(t, bctx)
}
