package browsertest

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestConsentFailureShown checks that a consent change the SDK could not
// make is shown as failed and the dashboard goes back to the true state: a
// radio left on "Remember" while nothing can be stored would tell the
// shopper the opposite of what happens. (A withdrawal cannot fail this way:
// the SDK lowers the level first and always deletes; so the change tried
// is a raise.)
func TestConsentFailureShown(t *testing.T) {
	bctx := openDashboard(t)
	waitFor(t, bctx, "consent off", `document.body.dataset.consent === 'off'`)

	// Break IndexedDB writes inside the SDK's worker, as a full disk or a
	// browser in trouble would.
	wctx := attachWorker(t, bctx)
	step(t, wctx, "break IndexedDB writes", chromedp.Evaluate[chromedp.Void](
		`IDBObjectStore.prototype.put = function () { throw new DOMException('the disk is full', 'QuotaExceededError'); }`))

	n := eval[string](t, bctx, "document.body.dataset.renders")
	click(t, bctx, `input[name="consent"][value="full"]`)
	waitFor(t, bctx, "the failure to show", `document.querySelector('#toast').textContent.includes('disk is full')`)
	waitFor(t, bctx, "a render with the true state", `document.body.dataset.renders !== '`+n+`'`)
	if got := eval[string](t, bctx, `document.querySelector('input[name="consent"]:checked')?.value ?? ''`); got != "off" {
		t.Errorf("after the failed change the dashboard shows consent %q; the SDK still has off", got)
	}
	if got := eval[string](t, bctx, "document.body.dataset.consent"); got != "off" {
		t.Errorf("the page believes consent is %q; want off", got)
	}
	if toast := eval[string](t, bctx, `document.querySelector('#toast').textContent`); !strings.Contains(toast, "storage") && !strings.Contains(toast, "quota") {
		t.Errorf("toast %q does not say what failed", toast)
	}
}
