"""Drive Debian's headless Chromium through the DevTools protocol
(python3-websocket), for tests that need a real browser. Asserts belong on
the DOM and on server state, never on pixels.

  browser.py goto URL click SELECTOR wait SELECTOR TEXT waitnum SELECTOR MIN eval JS
             viewport WIDTH HEIGHT screenshot FILE ...

Steps run in order; 'eval' prints its value (JSON) on a line of its own.
Exit 1 with a reason when a step fails (selector missing, wait timed out)."""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import websocket  # python3-websocket

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Browser:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="tern-browser-")
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
             "--disable-extensions", "--user-data-dir=" + self.dir,
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=%d" % self.port, "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        targets = None
        while time.time() < deadline:
            try:
                targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json" % self.port, timeout=1))
                if any(t.get("type") == "page" for t in targets):
                    break
            except OSError:
                time.sleep(0.1)
        page = [t for t in targets or [] if t.get("type") == "page"]
        if not page:
            self.close()
            raise RuntimeError("chromium did not start")
        self.ws = websocket.create_connection(page[0]["webSocketDebuggerUrl"], timeout=30)
        self.next_id = 0
        self.events = []
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self.events.append(msg)

    def goto(self, url):
        self.events.clear()
        self.call("Page.navigate", url=url)
        deadline = time.time() + 20
        while time.time() < deadline:
            if any(e.get("method") == "Page.loadEventFired" for e in self.events):
                return
            self.ws.settimeout(max(0.1, deadline - time.time()))
            self.events.append(json.loads(self.ws.recv()))
        raise RuntimeError("page did not load: " + url)

    def eval(self, js):
        r = self.call("Runtime.evaluate", expression=js, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("script failed: %s" % r["exceptionDetails"].get("text"))
        return r.get("result", {}).get("value")

    def eval_while_loading(self, js):
        """eval, but a page that is navigating (a click on a link) answers
        None rather than an error: the waits below simply ask again."""
        try:
            return self.eval(js)
        except RuntimeError as e:
            if "navigated or closed" in str(e) or "context" in str(e).lower():
                return None
            raise

    def click(self, selector):
        # a click on a link may navigate before the answer comes back:
        # that answer is then an error, yet the click happened
        if not self.eval_click("(() => { const e = document.querySelector(%s); if (!e) return false; e.click(); return true; })()"
                         % json.dumps(selector)):
            raise RuntimeError("no element matches " + selector)

    def eval_click(self, js):
        try:
            return self.eval(js)
        except RuntimeError as e:
            if "navigated or closed" in str(e):
                return True
            raise

    def wait_text(self, selector, text, timeout=10):
        deadline = time.time() + timeout
        got = None
        while time.time() < deadline:
            got = self.eval_while_loading("(() => { const e = document.querySelector(%s); return e ? e.textContent : null; })()"
                            % json.dumps(selector))
            if got is not None and text in got:
                return
            time.sleep(0.05)
        raise RuntimeError("%s never showed %r (last: %r)" % (selector, text, got))

    def wait_number(self, selector, least, timeout=20):
        deadline = time.time() + timeout
        got = None
        while time.time() < deadline:
            got = self.eval_while_loading("(() => { const e = document.querySelector(%s); return e ? Number(e.textContent) : null; })()"
                            % json.dumps(selector))
            if got is not None and got >= least:
                return got
            time.sleep(0.05)
        raise RuntimeError("%s never reached %s (last: %r)" % (selector, least, got))

    def viewport(self, width, height):
        """A screen of this size (a phone: 390 x 844, touch, as Chrome's device mode)"""
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height,
                  deviceScaleFactor=1, mobile=width < 600)

    def screenshot(self, path):
        import base64
        r = self.call("Page.captureScreenshot", format="png")
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def close(self):
        try:
            self.proc.terminate()
            self.proc.wait(10)
        except Exception:
            self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def main(argv):
    if not CHROMIUM:
        print("chromium is not installed", file=sys.stderr)
        return 77
    b = Browser()
    try:
        i = 0
        while i < len(argv):
            step = argv[i]
            if step == "goto":
                b.goto(argv[i + 1]); i += 2
            elif step == "click":
                b.click(argv[i + 1]); i += 2
            elif step == "wait":
                b.wait_text(argv[i + 1], argv[i + 2]); i += 3
            elif step == "waitnum":
                b.wait_number(argv[i + 1], float(argv[i + 2])); i += 3
            elif step == "viewport":
                b.viewport(int(argv[i + 1]), int(argv[i + 2])); i += 3
            elif step == "screenshot":
                b.screenshot(argv[i + 1]); i += 2
            elif step == "eval":
                print(json.dumps(b.eval(argv[i + 1]))); i += 2
            else:
                raise RuntimeError("unknown step " + step)
        return 0
    except Exception as e:
        print("browser: %s" % e, file=sys.stderr)
        return 1
    finally:
        b.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
