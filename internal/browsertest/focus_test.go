package browsertest

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestKeyboardFocus checks that the page's controls that re-render it keep
// keyboard focus: the dashboard rebuilds its content after every choice, and
// a focused control that is replaced by its copy must pass the focus on, or a
// keyboard user is thrown back to the top of the document after each key.
func TestKeyboardFocus(t *testing.T) {
	bctx := openDashboard(t)

	// press sends a key to the focused element and waits for the render
	// it causes to finish.
	press := func(what, key, done string) {
		t.Helper()
		n := eval[string](t, bctx, "document.body.dataset.renders")
		step(t, bctx, what, chromedp.KeyEvent(key))
		waitFor(t, bctx, what, done+` && document.body.dataset.renders !== '`+n+`'`)
	}
	focused := func(sel string) {
		t.Helper()
		if !eval[bool](t, bctx, `document.activeElement?.matches(`+strconv.Quote(sel)+`) ?? false`) {
			t.Errorf("focus is on %s; want %s", eval[string](t, bctx, `document.activeElement?.outerHTML.slice(0, 120) ?? 'nothing'`), sel)
		}
	}

	// Arrow keys walk a radio group, choosing as they go: from off, two
	// presses reach full only if the focus stays in the group.
	step(t, bctx, "focus consent off", chromedp.Focus(chromedp.CSS(`input[name="consent"][value="off"]`)))
	press("arrow to session", kb.ArrowDown, `document.body.dataset.consent === 'session'`)
	focused(`input[name="consent"][value="session"]:checked`)
	press("arrow to full", kb.ArrowDown, `document.body.dataset.consent === 'full'`)
	focused(`input[name="consent"][value="full"]:checked`)

	// A category filter keeps the focus on the chosen chip.
	step(t, bctx, "show the shop", chromedp.Evaluate[chromedp.Void](`location.hash = '#/'`))
	waitRender(t, bctx, "shop")
	chip := eval[string](t, bctx, `document.querySelectorAll('.filters [data-category]')[1].dataset.category`)
	step(t, bctx, "focus a category", chromedp.Focus(chromedp.CSS(`.filters [data-category="`+chip+`"]`)))
	press("choose a category", kb.Enter, `document.querySelector('.filters [aria-pressed="true"]')?.dataset.category === '`+chip+`'`)
	focused(`.filters [data-category="` + chip + `"][aria-pressed="true"]`)

	// Deleting a history row keeps the focus in the table, not on the body.
	for _, item := range tracked[:2] {
		step(t, bctx, "show "+item, chromedp.Evaluate[chromedp.Void](`location.hash = '#/p/`+item+`'`))
		waitFor(t, bctx, "product "+item, `document.querySelector('.detail[data-item="`+item+`"]') !== null`)
	}
	step(t, bctx, "show the dashboard", chromedp.Evaluate[chromedp.Void](`location.hash = '#/privacy'`))
	waitRender(t, bctx, "privacy")
	waitFor(t, bctx, "two rows", `document.querySelectorAll('[data-testid="history"] tbody tr[data-event]').length === 2`)
	step(t, bctx, "focus the first delete", chromedp.Focus(chromedp.CSS(`[data-testid="history"] tbody tr[data-event] button`)))
	press("delete a row", kb.Enter, `document.querySelectorAll('[data-testid="history"] tbody tr[data-event]').length === 1`)
	focused(`[data-testid="history"] tbody tr[data-event] button`)

	// The consent notice hides itself once a choice is made: the focus
	// moves on to the content rather than being dropped with the notice.
	// (A choice on the dashboard is an answer too, so the notice stays
	// away; forget it to see the notice again.)
	click(t, bctx, `input[name="consent"][value="off"]`)
	waitFor(t, bctx, "consent off", `document.body.dataset.consent === 'off'`)
	step(t, bctx, "forget the answer", chromedp.Evaluate[chromedp.Void](`localStorage.removeItem('fieldhouse:consent-asked')`))
	step(t, bctx, "show the shop", chromedp.Evaluate[chromedp.Void](`location.hash = '#/'`))
	waitRender(t, bctx, "shop")
	step(t, bctx, "focus the notice", chromedp.Focus(chromedp.CSS(`[data-consent-choice="session"]`)))
	press("choose in the notice", kb.Enter, `document.body.dataset.consent === 'session' && document.querySelector('#consent-notice').hidden`)
	focused(`main`)
}
