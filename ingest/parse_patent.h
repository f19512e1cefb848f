/*
 * parse_patent.h - USPTO full-text XML: grants (us-patent-grant, DTD v4.x)
 * and applications (us-patent-application) to patent records, and the
 * splitter that cuts a weekly bulk file - many documents, each with its
 * own <?xml ...?> declaration and DOCTYPE, plain or gzip - into documents
 * without holding the whole file. Pure functions of the bytes.
 */
#ifndef KG_INGEST_PARSE_PATENT_H
#define KG_INGEST_PARSE_PATENT_H

#include "core/record.h"

#define PATENT_DEFAULT_MAX_DOC ((size_t)64 << 20)

/*
 * Parses one document into rec (fresh from record_init(KG_PATENT)).
 * Returns KG_OK with *is_patent true and rec filled for a grant or an
 * application; KG_OK with *is_patent false and the root element's name in
 * root (size rootlen) for any other document (sequence listings, older
 * formats) - rec is then untouched. Returns KG_EINPUT or KG_ELIMIT with
 * "line L, column C: reason" in err for a document xml_parse refuses, or
 * a patent without a publication number; rec is then released.
 */
kg_status parse_patent_doc(const char *data, size_t len, struct kg_record *rec,
                           bool *is_patent, char *root, size_t rootlen,
                           char *err, size_t errlen) KG_MUST_CHECK;

/*
 * The record id of a patent document number: country + number + kind
 * with separators dropped and the leading zeros of grant numbers removed
 * ("US", "08930553", "B2" -> "US8930553B2"; "US", "2007/0140112", "A1" ->
 * "US20070140112A1"; "US", "D0435854", "S1" -> "USD435854S1"). Any part
 * may be NULL. The caller frees it.
 */
char *parse_patent_number(const char *country, const char *number,
                          const char *kind);

/* "H01L 21/02" from IPC parts or from an IPC-7 string ("G06F015/00");
 * NULL when it does not look like IPC. The caller frees it. */
char *parse_patent_ipc(const char *section, const char *cls,
                       const char *subclass, const char *group,
                       const char *subgroup);
char *parse_patent_ipc7(const char *text);

/* A stream of documents cut from a bulk file. */
struct patent_split;

/* Over a file (plain or gzip: the content decides) or over a buffer in
 * memory (plain or gzip; not copied: it must outlive the splitter).
 * max_doc 0 means PATENT_DEFAULT_MAX_DOC. open_file returns NULL and sets
 * errno when the file cannot be opened. */
struct patent_split *patent_split_open_file(const char *path, size_t max_doc);
struct patent_split *patent_split_open_memory(const char *data, size_t len,
                                              size_t max_doc);
void patent_split_free(struct patent_split *sp); /* NULL is a no-op */

/*
 * The next document: *doc points at len bytes valid until the next call,
 * *offset is where it starts in the (decompressed) stream. At the end
 * returns KG_OK with *doc NULL. A document over max_doc returns KG_ELIMIT
 * once (err says where) and is skipped; the next call goes on after it.
 * A read or decompression failure returns KG_EIO and ends the stream.
 */
kg_status patent_split_next(struct patent_split *sp, const char **doc,
                            size_t *len, unsigned long long *offset, char *err,
                            size_t errlen) KG_MUST_CHECK;

#endif
