// libcurl's SMTP for Swift: curl_easy_setopt is variadic, which Swift cannot call, so the whole
// exchange (connection, STARTTLS, login, envelope, upload of the message) is one C function.
#ifndef GUICHET_CCURL_SHIM_H
#define GUICHET_CCURL_SHIM_H

#include <curl/curl.h>
#include <string.h>

typedef struct guichet_mail_upload {
    const char *data;
    size_t length;
    size_t offset;
} guichet_mail_upload;

static size_t guichet_mail_read(char *buffer, size_t size, size_t count, void *userdata) {
    guichet_mail_upload *upload = (guichet_mail_upload *)userdata;
    size_t room = size * count;
    size_t left = upload->length - upload->offset;
    size_t n = left < room ? left : room;
    memcpy(buffer, upload->data + upload->offset, n);
    upload->offset += n;
    return n;
}

/// Sends one RFC 5322 message. `url` is smtp://host:port or smtps://host:port; `starttls` requires STARTTLS on
/// smtp://; `ca_file` (may be NULL) is the CA bundle that verifies the server; `user` NULL means no login.
/// Returns CURLE_OK (0) or a libcurl error code, with a message in `error` (CURL_ERROR_SIZE bytes).
static inline int guichet_smtp_send(const char *url, int starttls, const char *ca_file, const char *user,
                                    const char *password, const char *from, const char *const *recipients,
                                    int recipient_count, const char *message, size_t message_length,
                                    long timeout_seconds, char *error) {
    CURL *curl = curl_easy_init();
    if (!curl) return CURLE_FAILED_INIT;
    struct curl_slist *rcpt = NULL;
    for (int i = 0; i < recipient_count; i++) rcpt = curl_slist_append(rcpt, recipients[i]);
    guichet_mail_upload upload = {message, message_length, 0};
    error[0] = 0;
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    if (starttls) curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
    if (ca_file) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (user) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, user);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, password);
    }
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, guichet_mail_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_seconds);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    CURLcode result = curl_easy_perform(curl);
    if (result != CURLE_OK && error[0] == 0) strncpy(error, curl_easy_strerror(result), CURL_ERROR_SIZE - 1);
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    return (int)result;
}

#endif
