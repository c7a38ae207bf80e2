package browsertest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsentFailureShown checks that a consent change the SDK could not
// make is shown as failed and the dashboard goes back to the true state: a
// radio left on "Off" while history is still being stored would tell the
// shopper the opposite of what happens.
func TestConsentFailureShown(t *testing.T) {
	bctx := openDashboard(t)
	click(t, bctx, `input[name="consent"][value="full"]`)
	waitFor(t, bctx, "consent full", `document.body.dataset.consent === 'full'`)
	waitRender(t, bctx, "privacy")

	// Break IndexedDB writes inside the SDK's worker, as a full disk or a
	// browser in trouble would.
	wctx := attachWorker(t, bctx)
	step(t, wctx, "break IndexedDB writes", chromedp.Evaluate[chromedp.Void](
		`IDBObjectStore.prototype.put = function () { throw new DOMException('the disk is full', 'QuotaExceededError'); }`))

	n := eval[string](t, bctx, "document.body.dataset.renders")
	click(t, bctx, `input[name="consent"][value="off"]`)
	waitFor(t, bctx, "the failure to show", `document.querySelector('#toast').textContent.includes('disk is full')`)
	waitFor(t, bctx, "a render with the true state", `document.body.dataset.renders !== '`+n+`'`)
	if got := eval[string](t, bctx, `document.querySelector('input[name="consent"]:checked')?.value ?? ''`); got != "full" {
		t.Errorf("after the failed change the dashboard shows consent %q; the SDK still has full", got)
	}
	if got := eval[string](t, bctx, "document.body.dataset.consent"); got != "full" {
		t.Errorf("the page believes consent is %q; want full", got)
	}
	if toast := eval[string](t, bctx, `document.querySelector('#toast').textContent`); !strings.Contains(toast, "storage") {
		t.Errorf("toast %q does not say what failed", toast)
	}
}
