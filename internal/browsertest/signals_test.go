package browsertest

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/privrec/privrec/internal/wasmtest"
)

// signalPage sets up the page's consent signals from its query before the
// SDK loads, as a storefront's CMP and gtag snippet would: ?tcf=loaded|revoked
// (an IAB TCF v2.2 stub that answers addEventListener with tcloaded, with or
// without purposes 1, 5 and 6), ?cm=granted|denied (gtag('consent', …) in
// window.dataLayer: a denied default waiting for the update, then the
// update). GPC comes from the init script (gpcScript), or with ?wgpc=1 from
// the worker only (workerGPC). ?setup=1 loads the SDK without signals, to
// store a history first.
const signalPage = `<!doctype html><meta charset="utf-8"><title>privrec signals</title>
<script>
const q = new URLSearchParams(location.search);
if (q.get('tcf')) {
  const tc = (eventStatus, yes) => ({ tcString: 'stub', gdprApplies: true, eventStatus, cmpStatus: 'loaded', purpose: { consents: Object.fromEntries(yes.map((n) => [n, true])), legitimateInterests: {} } });
  let current = tc('tcloaded', q.get('tcf') === 'loaded' ? [1, 5, 6] : []);
  const listeners = new Map();
  let next = 1;
  window.__tcfapi = (cmd, version, cb, param) => {
    if (cmd === 'addEventListener') { const id = next++; listeners.set(id, cb); cb({ ...current, listenerId: id }, true); }
    else if (cmd === 'removeEventListener') cb(listeners.delete(param));
    else if (cmd === 'ping') cb({ gdprApplies: true, cmpLoaded: true, apiVersion: '2.2' });
  };
  // The shopper acts in the CMP: every listener hears it.
  window.tcfAction = (yes) => { current = tc('useractioncomplete', yes); for (const [id, cb] of listeners) cb({ ...current, listenerId: id }, true); };
}
window.dataLayer = window.dataLayer || [];
window.gtag = function () { dataLayer.push(arguments); };
if (q.get('cm')) {
  gtag('consent', 'default', { ad_storage: 'denied', personalization_storage: 'denied', wait_for_update: 500 });
  gtag('consent', 'update', { personalization_storage: q.get('cm') });
}
</script>
<script type="module">
import { Recommender } from '/sdk/privrec.js';
window.signalEvents = [];
try {
  const signals = q.get('setup') ? undefined : { gpc: true, tcf: true, consentMode: true };
  const workerUrl = q.get('wgpc') ? '/sdk-gpc/privrec-worker.js' : undefined;
  const rec = await Recommender.load({ bundleUrl: '/b/', publicKeys: ['%s'], namespace: 'signals', signals, workerUrl });
  rec.addEventListener('consentsignal', (e) => window.signalEvents.push(e.detail));
  window.rec = rec;
  document.body.dataset.ready = 'true';
} catch (e) {
  document.body.dataset.ready = 'false';
  document.body.dataset.error = String(e && e.message);
}
</script><body data-ready="">`

// gpcScript emulates Global Privacy Control where the URL asks for it
// (?gpc=1): Chromium has no setting for it, and an init script runs in the
// page only, so the page's reading decides here (the worker's own reading
// is covered by js/test/signals.test.js).
const gpcScript = `if (new URLSearchParams(location.search).get('gpc') === '1') Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });`

// workerGPC, put before the worker's code, emulates GPC in the worker
// alone: the page does not see it, so only the worker's own reading can cap.
const workerGPC = "Object.defineProperty(WorkerNavigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });\n"

// signalSite serves signalPage with the built SDK and a demo bundle.
func signalSite(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("skipping: %s not found (Debian: apt-get install -y chromium)", chromium)
	}
	sdk := filepath.Join(repoRoot(t), "js", "dist")
	if _, err := os.Stat(filepath.Join(sdk, "privrec.js")); err != nil {
		t.Skipf("skipping: the JS SDK is not built (%v); run: cd js && npm ci && npm run build", err)
	}
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &sdkSite{t: t, pub: pub, priv: priv, release: make(chan struct{})}
	s.swap(s.sign(wasmtest.Module(t), time.Now().Add(-time.Minute)))
	mux := http.NewServeMux()
	mux.Handle("/sdk/", http.StripPrefix("/sdk/", http.FileServer(http.Dir(sdk))))
	mux.HandleFunc("/b/", s.serveBundle)
	mux.HandleFunc("/sdk-gpc/privrec-worker.js", func(w http.ResponseWriter, r *http.Request) {
		src, err := os.ReadFile(filepath.Join(sdk, "privrec-worker.js"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(append([]byte(workerGPC), src...))
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, signalPage, base64.StdEncoding.EncodeToString(pub))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// openSignals navigates to the page with query and waits for the SDK.
func openSignals(t *testing.T, bctx context.Context, url string) {
	t.Helper()
	step(t, bctx, "open "+url, chromedp.Navigate(url))
	waitFor(t, bctx, "the SDK to load", `document.body.dataset.ready !== ''`)
	if got := eval[string](t, bctx, "document.body.dataset.ready"); got != "true" {
		t.Fatalf("the SDK did not load: %s", eval[string](t, bctx, "document.body.dataset.error"))
	}
}

// storeHistory loads the page without signals, chooses full consent and
// stores three views, checking IndexedDB holds them.
func storeHistory(t *testing.T, bctx context.Context, base string) {
	t.Helper()
	openSignals(t, bctx, base+"/?setup=1")
	n := eval[int](t, bctx, `(async () => {
	  await rec.consent.set('full');
	  await rec.history.clear();
	  for (const item of ['burr-grinder', 'tamper', 'espresso-beans']) await rec.track({ item, kind: 'view' });
	  return (await rec.history.list()).length;
	})()`)
	if d := readIDBOf(t, bctx, "signals"); n != 3 || len(d.Events) != 3 {
		t.Fatalf("setup: history lists %d events, IndexedDB holds %d; want 3 and 3", n, len(d.Events))
	}
}

type signalState struct {
	Signal  *string           `json:"signal"`
	Cap     string            `json:"cap"`
	Consent string            `json:"consent"`
	Signals map[string]string `json:"signals"`
}

func (s signalState) signal() string {
	if s.Signal == nil {
		return "none"
	}
	return *s.Signal
}

// TestSignalsMatrix is issue 13's consent-signal bar in Chromium: for each
// combination of a TCF stub (loaded with purposes 1, 5 and 6, or revoked),
// GPC (on or off) and Consent Mode (personalization_storage granted or
// denied), over a stored history under full consent, the level is the
// strictest signal's, rec.consent.signal names it, and IndexedDB keeps the
// history only where every signal allows full.
func TestSignalsMatrix(t *testing.T) {
	base := signalSite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 4*sessionTimeout)
	t.Cleanup(cancel)
	bctx := newBrowser(t, ctx)
	if _, err := chromedp.Call(bctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: gpcScript}); err != nil {
		t.Fatalf("add the GPC script: %v", err)
	}
	for _, tcf := range []string{"loaded", "revoked"} {
		for _, gpc := range []bool{false, true} {
			for _, cm := range []string{"granted", "denied"} {
				name := fmt.Sprintf("tcf=%s/gpc=%v/cm=%s", tcf, gpc, cm)
				// The strictest, ties to the first of gpc, tcf, consentMode.
				wantLevel, wantSignal := "full", "none"
				if gpc {
					wantLevel, wantSignal = "session", "gpc"
				}
				if tcf == "revoked" {
					wantLevel, wantSignal = "off", "tcf"
				} else if cm == "denied" {
					wantLevel, wantSignal = "off", "consentMode"
				}
				t.Run(name, func(t *testing.T) {
					storeHistory(t, bctx, base)
					g := "0"
					if gpc {
						g = "1"
					}
					openSignals(t, bctx, fmt.Sprintf("%s/?tcf=%s&cm=%s&gpc=%s", base, tcf, cm, g))
					if got := eval[bool](t, bctx, `navigator.globalPrivacyControl === true`); got != gpc {
						t.Fatalf("navigator.globalPrivacyControl is %v; the emulation wants %v", got, gpc)
					}
					level := eval[string](t, bctx, `rec.consent.get()`)
					st := eval[signalState](t, bctx, `rec.consent.signal`)
					if level != wantLevel || st.Consent != wantLevel || st.signal() != wantSignal {
						t.Errorf("level %s, rec.consent.signal: %s decided by %s (signals %v); want level %s decided by %s", level, st.Consent, st.signal(), st.Signals, wantLevel, wantSignal)
					}
					wantEvents := 0
					if wantLevel == "full" {
						wantEvents = 3
					}
					if d := readIDBOf(t, bctx, "signals"); len(d.Events) != wantEvents {
						t.Errorf("IndexedDB holds %d events; want %d", len(d.Events), wantEvents)
					}
					if n := eval[int](t, bctx, `rec.history.list().then((h) => h.length)`); n != wantEvents {
						t.Errorf("history lists %d events; want %d", n, wantEvents)
					}
					// The shopper cannot choose above the cap.
					if got := eval[string](t, bctx, `rec.consent.set('full')`); got != wantLevel {
						t.Errorf("consent.set('full') under the signals set %s; want %s", got, wantLevel)
					}
					if n := eval[int](t, bctx, `rec.track({ item: 'tamper', kind: 'cart' }).then(() => rec.history.list()).then((h) => h.filter((e) => e.stored).length)`); wantLevel != "full" && n != 0 {
						t.Errorf("under %s, %d events are stored after a track", wantLevel, n)
					}
				})
			}
		}
	}
}

// TestSignalsWithdrawal: a withdrawal through a signal while the page is
// open deletes the stored history at once: the shopper revokes in the TCF
// CMP, or the site's banner updates Consent Mode to denied.
func TestSignalsWithdrawal(t *testing.T) {
	base := signalSite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*sessionTimeout)
	t.Cleanup(cancel)
	bctx := newBrowser(t, ctx)
	for _, c := range []struct {
		name, withdraw, signal string
	}{
		{"TCF revoked in the CMP", `tcfAction([])`, "tcf"},
		{"Consent Mode updated to denied", `gtag('consent', 'update', { personalization_storage: 'denied' })`, "consentMode"},
	} {
		t.Run(c.name, func(t *testing.T) {
			storeHistory(t, bctx, base)
			openSignals(t, bctx, base+"/?tcf=loaded&cm=granted")
			if st := eval[signalState](t, bctx, `rec.consent.signal`); st.Consent != "full" || st.signal() != "none" {
				t.Fatalf("before the withdrawal: %s decided by %s; want full, no signal capping", st.Consent, st.signal())
			}
			if d := readIDBOf(t, bctx, "signals"); len(d.Events) != 3 {
				t.Fatalf("before the withdrawal IndexedDB holds %d events; want 3", len(d.Events))
			}
			step(t, bctx, "withdraw", chromedp.Evaluate[chromedp.Void](c.withdraw))
			waitFor(t, bctx, "the withdrawal to take effect", `rec.consent.signal?.consent === 'off'`)
			if st := eval[signalState](t, bctx, `rec.consent.signal`); st.signal() != c.signal {
				t.Errorf("the deciding signal is %s; want %s", st.signal(), c.signal)
			}
			if n := eval[int](t, bctx, `signalEvents.filter((d) => d.consent === 'off').length`); n != 1 {
				t.Errorf("%d consentsignal events with consent off; want 1", n)
			}
			// The deletion has run by the time the event arrives (the core lowers, then deletes, then the event is sent).
			if d := readIDBOf(t, bctx, "signals"); len(d.Events) != 0 {
				t.Errorf("after the withdrawal IndexedDB holds %d events; want none", len(d.Events))
			}
			if got := eval[string](t, bctx, `rec.consent.get()`); got != "off" {
				t.Errorf("consent.get() is %s after the withdrawal; want off", got)
			}
		})
	}
}

// TestSignalsWorkerGPC: the worker reads GPC itself. With GPC seen only in
// the worker (the page's navigator has none), the stored history is still
// deleted before load resolves, the level is capped at session and the
// page is told that GPC decided.
func TestSignalsWorkerGPC(t *testing.T) {
	base := signalSite(t)
	ctx, cancel := context.WithTimeout(context.Background(), sessionTimeout)
	t.Cleanup(cancel)
	bctx := newBrowser(t, ctx)
	storeHistory(t, bctx, base)
	openSignals(t, bctx, base+"/?tcf=loaded&cm=granted&wgpc=1")
	if eval[bool](t, bctx, `navigator.globalPrivacyControl === true`) {
		t.Fatal("the page sees GPC; this test wants it in the worker only")
	}
	st := eval[signalState](t, bctx, `rec.consent.signal`)
	if st.Consent != "session" || st.signal() != "gpc" || st.Signals["gpc"] != "session" {
		t.Errorf("rec.consent.signal: %s decided by %s (signals %v); want session decided by gpc", st.Consent, st.signal(), st.Signals)
	}
	if d := readIDBOf(t, bctx, "signals"); len(d.Events) != 0 {
		t.Errorf("IndexedDB holds %d events with GPC on in the worker; want none", len(d.Events))
	}
	if got := eval[string](t, bctx, `rec.consent.set('full')`); got != "session" {
		t.Errorf("consent.set('full') set %s; want session", got)
	}
}
