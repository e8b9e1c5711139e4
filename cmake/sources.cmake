# The source lists shared by the hosted build (CMakeLists.txt) and the
# firmware (firmware/CMakeLists.txt), relative to the project's root.

# the portable part: core and sans-I/O codecs (also built for Cortex-M by make size)
set(TERN_CORE_SOURCES
  src/core/error.c src/core/log.c src/core/buf.c src/core/timer.c src/core/addr.c
  src/core/url.c src/core/base64.c src/core/loop.c src/core/crc32.c src/core/hash.c
  src/core/rtc.c src/core/file.c src/core/conf.c src/core/fmt.c src/core/provision.c
  src/dns/dns_codec.c src/http/http_codec.c src/http/json.c src/http/ws_codec.c
  src/sntp/sntp_codec.c src/sntp/tz.c src/wlan/wpa_ctrl.c
  src/telnet/telnet_codec.c src/mqtt/mqtt_codec.c src/mqtt/mqtt_props.c
  src/mqtt/topic.c)

# the protocol drivers and services the device runtime runs on any port
set(TERN_DEVICE_SOURCES
  src/http/http_server.c src/http/http_client.c src/sntp/sntp_client.c
  src/shell/shell.c src/telnet/console.c src/dns/mdns.c src/dns/resolver.c src/auth/creds.c
  src/mqtt/mqtt_client.c src/device/device.c src/device/device_cmds.c)
