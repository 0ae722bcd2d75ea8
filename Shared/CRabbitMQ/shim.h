// rabbitmq-c 0.11 (Debian librabbitmq-dev) for Swift: the variadic login and the struct-heavy parts
// (tables, properties, frame dispatch) as small inline helpers, so Swift only passes plain values.
#ifndef GUICHET_CRABBITMQ_SHIM_H
#define GUICHET_CRABBITMQ_SHIM_H

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_ssl_socket.h>
#include <amqp_tcp_socket.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>

/// One entry of a headers or arguments table: a string value, or an integer when string_value is NULL.
typedef struct guichet_amqp_entry {
    const char *key;
    const char *string_value;
    int64_t int_value;
} guichet_amqp_entry;

static inline amqp_table_t guichet_amqp_table(amqp_table_entry_t *storage, const guichet_amqp_entry *entries, int count) {
    for (int i = 0; i < count; i++) {
        storage[i].key = amqp_cstring_bytes(entries[i].key);
        if (entries[i].string_value != NULL) {
            storage[i].value.kind = AMQP_FIELD_KIND_UTF8;
            storage[i].value.value.bytes = amqp_cstring_bytes(entries[i].string_value);
        } else {
            storage[i].value.kind = AMQP_FIELD_KIND_I64;
            storage[i].value.value.i64 = entries[i].int_value;
        }
    }
    amqp_table_t table;
    table.num_entries = count;
    table.entries = count > 0 ? storage : NULL;
    return table;
}

/// amqp_login is variadic, which Swift cannot call. Returns 0 on success, else the reply type.
static inline int guichet_amqp_login(amqp_connection_state_t conn, const char *vhost, int heartbeat_seconds,
                                     const char *user, const char *password) {
    amqp_rpc_reply_t reply = amqp_login(conn, vhost, 0, 131072, heartbeat_seconds, AMQP_SASL_METHOD_PLAIN, user, password);
    return reply.reply_type == AMQP_RESPONSE_NORMAL ? 0 : (int)reply.reply_type;
}

/// 0 when the last RPC succeeded; otherwise the server's reply code (e.g. 404, 406) or -1.
static inline int guichet_amqp_last_rpc_status(amqp_connection_state_t conn) {
    amqp_rpc_reply_t reply = amqp_get_rpc_reply(conn);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) return 0;
    if (reply.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION) {
        if (reply.reply.id == AMQP_CHANNEL_CLOSE_METHOD) return ((amqp_channel_close_t *)reply.reply.decoded)->reply_code;
        if (reply.reply.id == AMQP_CONNECTION_CLOSE_METHOD) return ((amqp_connection_close_t *)reply.reply.decoded)->reply_code;
    }
    return -1;
}

/// Publishes a persistent, mandatory message with the CloudEvents-friendly properties.
static inline int guichet_amqp_publish(amqp_connection_state_t conn, amqp_channel_t channel, const char *exchange,
                                       const char *routing_key, const char *content_type, const char *message_id,
                                       const char *type, const char *app_id, uint64_t timestamp,
                                       const guichet_amqp_entry *headers, int header_count,
                                       const void *body, size_t body_length) {
    amqp_table_entry_t storage[32];
    if (header_count > 32) return AMQP_STATUS_TABLE_TOO_BIG;
    amqp_basic_properties_t props;
    memset(&props, 0, sizeof(props));
    props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_MESSAGE_ID_FLAG |
                   AMQP_BASIC_TYPE_FLAG | AMQP_BASIC_APP_ID_FLAG | AMQP_BASIC_TIMESTAMP_FLAG | AMQP_BASIC_HEADERS_FLAG;
    props.content_type = amqp_cstring_bytes(content_type);
    props.delivery_mode = 2;
    props.message_id = amqp_cstring_bytes(message_id);
    props.type = amqp_cstring_bytes(type);
    props.app_id = amqp_cstring_bytes(app_id);
    props.timestamp = timestamp;
    props.headers = guichet_amqp_table(storage, headers, header_count);
    amqp_bytes_t bytes;
    bytes.len = body_length;
    bytes.bytes = (void *)body;
    return amqp_basic_publish(conn, channel, amqp_cstring_bytes(exchange), amqp_cstring_bytes(routing_key), 1, 0,
                              &props, bytes);
}

enum guichet_amqp_event_kind {
    GUICHET_AMQP_NOTHING = 0,
    GUICHET_AMQP_ACK = 1,
    GUICHET_AMQP_NACK = 2,
    GUICHET_AMQP_RETURN = 3,
    GUICHET_AMQP_CLOSED = 4,
    GUICHET_AMQP_OTHER = 5,
};

typedef struct guichet_amqp_event {
    int kind;
    uint64_t delivery_tag;
    int multiple;
    int reply_code;
    char message_id[256];
} guichet_amqp_event;

/// Waits up to timeout_ms for one frame on a publisher connection (which also services heartbeats)
/// and says what it was. A basic.return's content is drained here, keeping its message id.
static inline void guichet_amqp_poll_publisher(amqp_connection_state_t conn, int timeout_ms, guichet_amqp_event *out) {
    memset(out, 0, sizeof(*out));
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    amqp_frame_t frame;
    int status = amqp_simple_wait_frame_noblock(conn, &frame, &tv);
    if (status == AMQP_STATUS_TIMEOUT) { out->kind = GUICHET_AMQP_NOTHING; return; }
    if (status != AMQP_STATUS_OK) { out->kind = GUICHET_AMQP_CLOSED; out->reply_code = status; return; }
    if (frame.frame_type != AMQP_FRAME_METHOD) { out->kind = GUICHET_AMQP_OTHER; return; }
    switch (frame.payload.method.id) {
    case AMQP_BASIC_ACK_METHOD: {
        amqp_basic_ack_t *ack = (amqp_basic_ack_t *)frame.payload.method.decoded;
        out->kind = GUICHET_AMQP_ACK; out->delivery_tag = ack->delivery_tag; out->multiple = ack->multiple;
        return;
    }
    case AMQP_BASIC_NACK_METHOD: {
        amqp_basic_nack_t *nack = (amqp_basic_nack_t *)frame.payload.method.decoded;
        out->kind = GUICHET_AMQP_NACK; out->delivery_tag = nack->delivery_tag; out->multiple = nack->multiple;
        return;
    }
    case AMQP_BASIC_RETURN_METHOD: {
        amqp_basic_return_t *ret = (amqp_basic_return_t *)frame.payload.method.decoded;
        out->kind = GUICHET_AMQP_RETURN; out->reply_code = ret->reply_code;
        amqp_message_t message;
        amqp_rpc_reply_t reply = amqp_read_message(conn, frame.channel, &message, 0);
        if (reply.reply_type != AMQP_RESPONSE_NORMAL) { out->kind = GUICHET_AMQP_CLOSED; return; }
        if ((message.properties._flags & AMQP_BASIC_MESSAGE_ID_FLAG) && message.properties.message_id.len < sizeof(out->message_id)) {
            memcpy(out->message_id, message.properties.message_id.bytes, message.properties.message_id.len);
        }
        amqp_destroy_message(&message);
        return;
    }
    case AMQP_CHANNEL_CLOSE_METHOD:
        out->kind = GUICHET_AMQP_CLOSED;
        out->reply_code = ((amqp_channel_close_t *)frame.payload.method.decoded)->reply_code;
        return;
    case AMQP_CONNECTION_CLOSE_METHOD:
        out->kind = GUICHET_AMQP_CLOSED;
        out->reply_code = ((amqp_connection_close_t *)frame.payload.method.decoded)->reply_code;
        return;
    default:
        out->kind = GUICHET_AMQP_OTHER;
        return;
    }
}

/// Waits up to timeout_ms for a delivery. Returns GUICHET_AMQP_NOTHING on timeout, GUICHET_AMQP_ACK when
/// `envelope` holds a delivery (destroy it after use), GUICHET_AMQP_CLOSED when the connection or channel is gone.
static inline int guichet_amqp_consume(amqp_connection_state_t conn, int timeout_ms, amqp_envelope_t *envelope) {
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    amqp_maybe_release_buffers(conn);
    amqp_rpc_reply_t reply = amqp_consume_message(conn, envelope, &tv, 0);
    if (reply.reply_type == AMQP_RESPONSE_NORMAL) return GUICHET_AMQP_ACK;
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_TIMEOUT) {
        return GUICHET_AMQP_NOTHING;
    }
    if (reply.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && reply.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
        // A frame that is not a delivery: a close ends the connection, anything else is skipped.
        amqp_frame_t frame;
        struct timeval zero = {0, 0};
        int status = amqp_simple_wait_frame_noblock(conn, &frame, &zero);
        if (status == AMQP_STATUS_TIMEOUT) return GUICHET_AMQP_NOTHING;
        if (status != AMQP_STATUS_OK) return GUICHET_AMQP_CLOSED;
        if (frame.frame_type == AMQP_FRAME_METHOD &&
            (frame.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD || frame.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD)) {
            return GUICHET_AMQP_CLOSED;
        }
        return GUICHET_AMQP_OTHER;
    }
    return GUICHET_AMQP_CLOSED;
}

#endif
