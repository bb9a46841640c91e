# shellcheck shell=bash
# fill-room.sh: sourced by the benchmarks that need a room full of messages.
# fill_room URL CONFIG N: registers `bench` (password bench-pw) with matrixctl register-user
# against the server at URL (CONFIG holds its shared secret), logs in, creates a room and sends
# N messages to it, 8 at a time. Needs $BIN (the built binaries).
fill_room() {
    local url=$1 config=$2 n=$3 token room room_enc
    "$BIN/matrixctl" register-user -c "$config" -u bench -p bench-pw --no-admin "$url" >/dev/null
    token="$(curl -sf -X POST "$url/_matrix/client/v3/login" \
        -d '{"type":"m.login.password","identifier":{"type":"m.id.user","user":"bench"},"password":"bench-pw"}' \
        | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')"
    room="$(curl -sf -X POST -H "Authorization: Bearer $token" "$url/_matrix/client/v3/createRoom" -d '{}' \
        | sed -n 's/.*"room_id":"\([^"]*\)".*/\1/p')"
    room_enc="${room//!/%21}"; room_enc="${room_enc//:/%3A}"
    echo "== sending $n messages" >&2
    seq "$n" | xargs -P 8 -I{} curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $token" \
        "$url/_matrix/client/v3/rooms/$room_enc/send/m.room.message/b{}" -d '{"msgtype":"m.text","body":"benchmark message {}"}'
}
