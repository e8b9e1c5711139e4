"""python3-zeroconf looks at tern's records. Usage:
zc_check.py MY_IP browse TYPE SECONDS     -> "INSTANCE SERVER PORT ADDR" per service
zc_check.py MY_IP watch TYPE SECONDS      -> "add NAME" / "remove NAME" events
zc_check.py MY_IP info TYPE INSTANCE      -> "SERVER PORT ADDR" (after the cache is fresh)"""
import sys
import time

from zeroconf import IPVersion, ServiceBrowser, ServiceInfo, ServiceListener, Zeroconf

ip, mode, stype = sys.argv[1], sys.argv[2], sys.argv[3] + ".local."
zc = Zeroconf(interfaces=[ip], ip_version=IPVersion.V4Only)


class L(ServiceListener):
    def __init__(self):
        self.names = []

    def add_service(self, zc, type_, name):
        self.names.append(name)
        if mode == "watch":
            print("add", name, flush=True)

    def remove_service(self, zc, type_, name):
        if mode == "watch":
            print("remove", name, flush=True)

    def update_service(self, zc, type_, name):
        pass


try:
    if mode in ("browse", "watch"):
        listener = L()
        ServiceBrowser(zc, stype, listener)
        time.sleep(float(sys.argv[4]))
        if mode == "browse":
            for name in listener.names:
                info = zc.get_service_info(stype, name, timeout=3000)
                if info:
                    print(name, info.server, info.port, " ".join(info.parsed_addresses()))
    elif mode == "info":
        info = ServiceInfo(stype, sys.argv[4] + "." + stype)
        ok = info.request(zc, 3000)
        print(info.server, info.port, " ".join(info.parsed_addresses()) if ok else "none")
finally:
    zc.close()
