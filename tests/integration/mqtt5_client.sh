#!/usr/bin/env bash
# tern's MQTT 5.0 client, through tern pub/sub -V 5, next to mosquitto_pub/sub
# -V mqttv5 on Mosquitto 2.0: the same properties out (-D publish, subscribe,
# connect) and the same -F output back (%A %C %D %E %F %P %R %S); a session kept for -x seconds gets
# what was published while the client was away (and with -x 0 it does not);
# repeated topics go out as Topic Aliases (seen in tern broker's debug log);
# a refused message is said, as mosquitto_pub says it.
. "$(dirname "$0")/../harness/lib.sh"
th_init mqtt5_client
th_need mosquitto mosquitto_sub mosquitto_pub
port=$(th_free_port)
th_mosquitto mosq "listener $port 127.0.0.1
allow_anonymous true"
fmt='%t|%p|[%A][%C][%D][%E][%F][%P][%R][%S]'
props=(-D publish content-type text/plain -D publish response-topic r/back
  -D publish correlation-data abc -D publish message-expiry-interval 120
  -D publish payload-format-indicator 1 -D publish user-property site lab
  -D publish user-property rack 7)

# 1. tern pub -D next to mosquitto_pub -D: what mosquitto_sub prints of each
for tool in mosq tern; do
  timeout 20 mosquitto_sub -V mqttv5 -p "$port" -i "s-$tool" -t "p5/$tool" -C 1 -F "$fmt" \
    >"$TMP/out-$tool" &
  s=$!
  th_wait_sub mosq "s-$tool"
  if [ $tool = mosq ]; then mosquitto_pub -V mqttv5 -p "$port" -t "p5/$tool" -m hi -q 1 "${props[@]}"
  else "$TERN" pub -V 5 -p "$port" -t "p5/$tool" -m hi -q 1 "${props[@]}"; fi
  wait $s
done
th_eq "tern pub -V 5 -D sends the properties mosquitto_pub -D sends" \
  "$(sed 's/mosq/X/' "$TMP/out-mosq" | sed 's/\[1[12][0-9]\]/[E]/')" \
  "$(sed 's/tern/X/' "$TMP/out-tern" | sed 's/\[1[12][0-9]\]/[E]/')"
th_match "the properties are there at all" 'text/plain.*abc.*site:lab rack:7\]\[r/back\]' \
  "$(cat "$TMP/out-tern")"

# 2. tern sub -V 5 -F next to mosquitto_sub on the same message
sid=(-D subscribe subscription-identifier 7 -D connect user-property who me)
timeout 20 mosquitto_sub -V mqttv5 -p "$port" -i fm -t f5/x -C 1 -F "$fmt" "${sid[@]}" >"$TMP/fm" &
a=$!
timeout 20 "$TERN" sub -V 5 -p "$port" -i ft -t f5/x -C 1 -F "$fmt" "${sid[@]}" >"$TMP/ft" &
b=$!
th_wait_sub mosq fm && th_wait_sub mosq ft
mosquitto_pub -V mqttv5 -p "$port" -t f5/x -m body -q 1 "${props[@]}"
wait $a $b
th_eq "tern sub -V 5 -F prints the v5 specifiers as mosquitto_sub does" \
  "$(sed 's/\[1[12][0-9]\]/[E]/' "$TMP/fm")" "$(sed 's/\[1[12][0-9]\]/[E]/' "$TMP/ft")"
th_match "-D subscribe subscription-identifier 7: %S prints it" '\[7\]$' "$(cat "$TMP/ft")"

# 3. a session kept -x seconds gets what came meanwhile; -x 0 does not
for x in 60 0; do
  for tool in mosq tern; do
    id="x$x-$tool"
    if [ $tool = mosq ]; then c=(timeout 20 mosquitto_sub -V mqttv5); else c=(timeout 20 "$TERN" sub -V 5); fi
    "${c[@]}" -p "$port" -c -x "$x" -i "$id" -q 1 -t "away/$id" -E
    mosquitto_pub -V mqttv5 -p "$port" -t "away/$id" -m "while away" -q 1
    "${c[@]}" -p "$port" -c -x "$x" -i "$id" -q 1 -t "away/$id" -W 2 -C 1 >"$TMP/away-$id"
    echo "rc=$?" >>"$TMP/away-$id"
  done
  th_eq "-c -x $x: what the session kept, as mosquitto_sub's" "$(cat "$TMP/away-x$x-mosq")" \
    "$(cat "$TMP/away-x$x-tern")"
done
th_eq "-c -x 60: the message published while away arrives" "while away
rc=0" "$(cat "$TMP/away-x60-tern")"

# 4. Topic Aliases: three lines on one topic to tern broker (debug log)
bport=$(th_free_port)
th_bg tb "$TERN" broker -p "$bport" --allow-anonymous -v -v
th_wait_tcp "$bport"
timeout 20 "$TERN" sub -V 5 -p "$bport" -i al-sub -t 'al/#' -C 3 -v >"$TMP/al" &
s=$!
th_wait_sub tb al-sub
printf 'one\ntwo\nthree\n' | "$TERN" pub -V 5 -p "$bport" -i al-pub -t al/topic -l -q 1
wait $s
th_eq "three messages on their topic through the aliases" "al/topic one
al/topic two
al/topic three" "$(cat "$TMP/al")"
th_eq "the topic went once, then its alias twice" "1 2" \
  "$(grep -c "al-pub: Topic Alias 1 is 'al/topic'" "$TMP/tb.log") $(grep -c "al-pub: Topic Alias 1 used" "$TMP/tb.log")"

# 5. a refusal (PUBACK 0x87) is said, and the exit code is mosquitto_pub's
printf 'topic read #\n' >"$TMP/acl"
aport=$(th_free_port)
th_bg ta "$TERN" broker -p "$aport" --allow-anonymous --acl "$TMP/acl"
th_wait_tcp "$aport"
mosquitto_pub -V mqttv5 -p "$aport" -t ro/x -m x -q 1 2>/dev/null; a=$?
"$TERN" pub -V 5 -p "$aport" -t ro/x -m x -q 1 2>"$TMP/refused"; b=$?
th_eq "a refused message: the exit code is mosquitto_pub's" "$a" "$b"
th_match "a refused message is said, with the broker's reason" "refused message 1: Not authorized" \
  "$(cat "$TMP/refused")"
th_done
