/* common/static_stubs.c — stand-ins for the GSSAPI and LDAP functions Debian's libpq.a calls.
 * Debian ships no static libkrb5 or libldap, so a fully static binary cannot carry them. Each stub
 * fails; gss_display_status supplies the message libpq then shows, so a server that asks for
 * Kerberos gets a clear "not supported by this build" instead of a bare failure. gss_acquire_cred
 * failing also makes libpq's default gssencmode=prefer skip GSS encryption silently, as it does
 * when no Kerberos ticket exists. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <pg_config.h>

#include "common/static_stubs.h"

/* Neither GSSAPI's nor LDAP's headers are installed (nor wanted): the stubs declare what libpq 15
 * calls, with the C types of RFC 2744 and RFC 1823. */
_Static_assert(PG_VERSION_NUM >= 150000 && PG_VERSION_NUM < 160000, "these are the GSSAPI and LDAP calls of libpq 15");

typedef uint32_t OM_uint32;
typedef struct {
  size_t length;
  void* value;
} gss_buffer_desc;
typedef void* gss_ptr;

#define GSS_S_COMPLETE 0u
#define GSS_S_FAILURE (13u << 16)
#define GSS_C_GSS_CODE 1

static char gss_message[] = NOSHELL_NO_GSSAPI_MESSAGE;

void* GSS_C_NT_HOSTBASED_SERVICE = NULL;

static OM_uint32 gss_fail(OM_uint32* minor) {
  if (minor) *minor = 0;
  return GSS_S_FAILURE;
}

OM_uint32 gss_acquire_cred(OM_uint32* minor, gss_ptr a, OM_uint32 b, gss_ptr c, int d, gss_ptr* e,
                           gss_ptr f, OM_uint32* g) {
  (void)a; (void)b; (void)c; (void)d; (void)f; (void)g;
  if (e) *e = NULL;
  return gss_fail(minor);
}
OM_uint32 gss_import_name(OM_uint32* minor, gss_ptr a, gss_ptr b, gss_ptr* out) {
  (void)a; (void)b;
  if (out) *out = NULL;
  return gss_fail(minor);
}
OM_uint32 gss_init_sec_context(OM_uint32* minor, gss_ptr a, gss_ptr* b, gss_ptr c, gss_ptr d,
                               OM_uint32 e, OM_uint32 f, gss_ptr g, gss_ptr h, gss_ptr i,
                               gss_buffer_desc* out, OM_uint32* j, OM_uint32* k) {
  (void)a; (void)b; (void)c; (void)d; (void)e; (void)f; (void)g; (void)h; (void)i; (void)j; (void)k;
  if (out) { out->length = 0; out->value = NULL; }
  return gss_fail(minor);
}
OM_uint32 gss_display_status(OM_uint32* minor, OM_uint32 status, int type, gss_ptr mech,
                             OM_uint32* ctx, gss_buffer_desc* out) {
  (void)status; (void)mech;
  if (minor) *minor = 0;
  if (ctx) *ctx = 0;
  if (type != GSS_C_GSS_CODE) return GSS_S_FAILURE;
  out->value = gss_message;
  out->length = strlen(gss_message);
  return GSS_S_COMPLETE;
}
OM_uint32 gss_release_buffer(OM_uint32* minor, gss_buffer_desc* b) {
  if (minor) *minor = 0;
  if (b) { b->length = 0; b->value = NULL; }  /* only ever our static message */
  return GSS_S_COMPLETE;
}
OM_uint32 gss_delete_sec_context(OM_uint32* minor, gss_ptr* ctx, gss_ptr out) {
  (void)out;
  if (ctx) *ctx = NULL;
  if (minor) *minor = 0;
  return GSS_S_COMPLETE;
}
OM_uint32 gss_release_cred(OM_uint32* minor, gss_ptr* c) {
  if (c) *c = NULL;
  if (minor) *minor = 0;
  return GSS_S_COMPLETE;
}
OM_uint32 gss_release_name(OM_uint32* minor, gss_ptr* n) {
  if (n) *n = NULL;
  if (minor) *minor = 0;
  return GSS_S_COMPLETE;
}
OM_uint32 gss_wrap(OM_uint32* minor, gss_ptr a, int b, OM_uint32 c, gss_ptr d, int* e, gss_ptr f) {
  (void)a; (void)b; (void)c; (void)d; (void)e; (void)f;
  return gss_fail(minor);
}
OM_uint32 gss_unwrap(OM_uint32* minor, gss_ptr a, gss_ptr b, gss_ptr c, int* d, OM_uint32* e) {
  (void)a; (void)b; (void)c; (void)d; (void)e;
  return gss_fail(minor);
}
OM_uint32 gss_wrap_size_limit(OM_uint32* minor, gss_ptr a, int b, OM_uint32 c, OM_uint32 d, OM_uint32* e) {
  (void)a; (void)b; (void)c; (void)d; (void)e;
  return gss_fail(minor);
}

/* LDAP: ldap_init returning NULL makes libpq report "could not create LDAP structure"; our
 * Postgres check recognises it and adds NOSHELL_NO_LDAP_MESSAGE. */
void* ldap_init(const char* host, int port) { (void)host; (void)port; return NULL; }
int ldap_set_option(void* ld, int opt, const void* v) { (void)ld; (void)opt; (void)v; return -1; }
int ldap_simple_bind(void* ld, const char* who, const char* cred) { (void)ld; (void)who; (void)cred; return -1; }
int ldap_result(void* ld, int id, int all, void* tv, void** res) {
  (void)ld; (void)id; (void)all; (void)tv;
  if (res) *res = NULL;
  return -1;
}
int ldap_search_st(void* ld, const char* b, int s, const char* f, char** a, int o, void* tv, void** res) {
  (void)ld; (void)b; (void)s; (void)f; (void)a; (void)o; (void)tv;
  if (res) *res = NULL;
  return -1;
}
int ldap_count_entries(void* ld, void* r) { (void)ld; (void)r; return 0; }
void* ldap_first_entry(void* ld, void* r) { (void)ld; (void)r; return NULL; }
void* ldap_get_values_len(void* ld, void* e, const char* a) { (void)ld; (void)e; (void)a; return NULL; }
void ldap_value_free_len(void* v) { (void)v; }
int ldap_msgfree(void* m) { (void)m; return 0; }
int ldap_unbind(void* ld) { (void)ld; return 0; }
char* ldap_err2string(int err) { (void)err; return (char*)NOSHELL_NO_LDAP_MESSAGE; }
