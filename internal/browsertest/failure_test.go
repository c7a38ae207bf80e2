package browsertest

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsentFailureShown checks consent on a full disk in the demo: a
// withdrawal always works (the level holds, the stored history is deleted,
// the stored choice reads as off), and a raise the SDK could not store is
// shown as failed while the dashboard shows the true state: a radio left
// on "Full" while nothing can be stored would tell the shopper the
// opposite of what happens.
func TestConsentFailureShown(t *testing.T) {
	bctx := openDashboard(t)
	click(t, bctx, `input[name="consent"][value="full"]`)
	waitFor(t, bctx, "consent full", `document.body.dataset.consent === 'full'`)
	for _, item := range tracked[:2] {
		step(t, bctx, "show "+item, chromedp.Evaluate[chromedp.Void](`location.hash = '#/p/`+item+`'`))
		waitFor(t, bctx, "product "+item, `document.querySelector('.detail[data-item="`+item+`"]') !== null`)
	}
	waitFor(t, bctx, "the views stored", `(async () => { const r = indexedDB.open('privrec:demo'); const db = await new Promise((ok) => r.onsuccess = () => ok(r.result)); const n = await new Promise((ok) => { const q = db.transaction('events').objectStore('events').count(); q.onsuccess = () => ok(q.result); }); db.close(); return n === 2; })()`)
	step(t, bctx, "show the dashboard", chromedp.Evaluate[chromedp.Void](`location.hash = '#/privacy'`))
	waitRender(t, bctx, "privacy")

	// Break IndexedDB writes inside the SDK's worker, as a full disk does:
	// every put and add throws QuotaExceededError; deletes still work.
	wctx := attachWorker(t, bctx)
	step(t, wctx, "break IndexedDB writes", chromedp.Evaluate[chromedp.Void](
		`IDBObjectStore.prototype.put = IDBObjectStore.prototype.add = function () { throw new DOMException('the disk is full', 'QuotaExceededError'); }`))

	click(t, bctx, `input[name="consent"][value="off"]`)
	waitFor(t, bctx, "consent off", `document.body.dataset.consent === 'off'`)
	d := readIDB(t, bctx)
	if len(d.Events) != 0 {
		t.Errorf("IndexedDB holds %d events after consent off on a full disk; want none", len(d.Events))
	}
	for _, m := range d.Meta {
		var v any
		if json.Unmarshal(m, &v) == nil && v == "full" {
			t.Errorf("the stored consent is still full: %s", joinRaw(d.Meta))
		}
	}
	if got := eval[string](t, bctx, `document.querySelector('input[name="consent"]:checked')?.value ?? ''`); got != "off" {
		t.Errorf("after the withdrawal the dashboard shows consent %q; want off", got)
	}

	// Raising consent cannot be stored: it fails visibly and stays off.
	n := eval[string](t, bctx, "document.body.dataset.renders")
	click(t, bctx, `input[name="consent"][value="full"]`)
	waitFor(t, bctx, "the failure to show", `document.querySelector('#toast').textContent.includes('disk is full')`)
	waitFor(t, bctx, "a render with the true state", `document.body.dataset.renders !== '`+n+`'`)
	if got := eval[string](t, bctx, `document.querySelector('input[name="consent"]:checked')?.value ?? ''`); got != "off" {
		t.Errorf("after the failed raise the dashboard shows consent %q; the SDK still has off", got)
	}
	if got := eval[string](t, bctx, "document.body.dataset.consent"); got != "off" {
		t.Errorf("the page believes consent is %q; want off", got)
	}
	if toast := eval[string](t, bctx, `document.querySelector('#toast').textContent`); !strings.Contains(toast, "storage is full") {
		t.Errorf("toast %q does not say what failed", toast)
	}
}
