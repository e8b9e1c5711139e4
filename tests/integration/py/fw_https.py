"""The firmware's console calls web APIs over HTTPS: GET of a JSON document
(a weather API) and POST of a form with Basic auth (Twilio's Messages API
shape), each certificate checked against the board's CA; then a server
whose certificate names another host, and one whose certificate expired:
each refused with its own error, as on Linux.
Usage: fw_https.py HOST PORT USER PASSWORD WRONG_HOST_URL EXPIRED_URL"""
import sys

from console_client import Console
from tcheck import check, done

host, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
c = Console(host, port)
until, send = c.until, c.send
c.login(user, password)
send("get https://api.test:8443/v1/forecast?latitude=59.9")
out = until(b"bytes]")
print(out.decode(errors="replace").strip()[-200:])
check("HTTPS GET returns the JSON document", b'"temperature_2m": 21.5' in out and b"[HTTP 200," in out)
until(b"> ")
send("post https://AC123:secret-token@api.test:8443/2010-04-01/Accounts/AC123/Messages.json "
     "To=%2B15550001&From=%2B15550002&Body=hello")
out = until(b"bytes]")
print(out.decode(errors="replace").strip()[-200:])
check("HTTPS POST of the form with Basic auth is accepted (201, queued)",
      b"[HTTP 201," in out and b'"status": "queued"' in out and b'"body": "hello"' in out)
until(b"> ")
send("post https://AC123:wrong@api.test:8443/2010-04-01/Accounts/AC123/Messages.json Body=x")
out = until(b"bytes]")
check("a wrong token is refused (401)", b"[HTTP 401," in out)
until(b"> ")
send("get " + sys.argv[5])
out = until(b"> ")
check("a certificate for another host name: refused as such (%r)" % out.strip()[-80:],
      b"get: certificate does not match host name" in out)
send("get " + sys.argv[6])
out = until(b"> ")
check("an expired certificate: refused as such (%r)" % out.strip()[-80:],
      b"get: certificate expired or not yet valid" in out)
send("exit")
done("fw_https")
