/*
 * The C baseline for `make bench`: plain librdkafka, used the way its own
 * documentation recommends, with the same settings as the Swift client
 * (idempotent producer, acks=all, linger 5 ms, murmur2 partitioner; consumer
 * reading in batches with fetch.queue.backoff.ms 100).
 *
 *   rdkafka_bench produce BROKERS TOPIC COUNT SIZE
 *   rdkafka_bench consume BROKERS TOPIC COUNT GROUP
 *
 * Prints one line: "<mode> <count> msgs <seconds> s <msgs/s> msg/s <MB/s> MB/s".
 * Producing is timed from the first send to the last delivery report;
 * consuming from the first record received to the COUNT-th (group join excluded).
 */
#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long delivered, failed;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk; (void)opaque;
    if (m->err) failed++; else delivered++;
}

static void set(rd_kafka_conf_t *conf, const char *k, const char *v) {
    char err[512];
    if (rd_kafka_conf_set(conf, k, v, err, sizeof err) != RD_KAFKA_CONF_OK) {
        fprintf(stderr, "%s: %s\n", k, err);
        exit(2);
    }
}

static void report(const char *mode, long count, double seconds, long bytes) {
    printf("%s %ld msgs %.3f s %.0f msg/s %.2f MB/s\n", mode, count, seconds, count / seconds, bytes / seconds / 1e6);
}

static int produce(const char *brokers, const char *topic, long count, int size) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", brokers);
    set(conf, "enable.idempotence", "true");
    set(conf, "linger.ms", "5");
    set(conf, "partitioner", "murmur2_random");
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) { fprintf(stderr, "%s\n", err); return 2; }
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    char *payload = malloc(size);
    memset(payload, 'x', size);
    char key[32];
    double start = now();
    for (long i = 0; i < count; i++) {
        int keylen = snprintf(key, sizeof key, "k%ld", i % 1000);
        while (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, payload, size, key, keylen, NULL) == -1) {
            rd_kafka_poll(rk, 1);  /* queue full: serve delivery reports */
        }
        rd_kafka_poll(rk, 0);
    }
    while (delivered + failed < count) rd_kafka_poll(rk, 10);
    double seconds = now() - start;
    if (failed) fprintf(stderr, "%ld deliveries failed\n", failed);
    report("c-produce", count, seconds, (long)count * size);
    free(payload);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_destroy(rk);
    return failed ? 1 : 0;
}

static int consume(const char *brokers, const char *topic, long count, const char *group) {
    char err[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    set(conf, "bootstrap.servers", brokers);
    set(conf, "group.id", group);
    set(conf, "auto.offset.reset", "earliest");
    set(conf, "enable.auto.commit", "false");
    set(conf, "enable.partition.eof", "false");
    /* Tansu answers JoinGroup after about half the session timeout: use the minimum. */
    set(conf, "session.timeout.ms", "6000");
    /* HXKafka's default (librdkafka's is 1 s), so both read with the same prefetch pacing. */
    set(conf, "fetch.queue.backoff.ms", "100");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) { fprintf(stderr, "%s\n", err); return 2; }
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    rd_kafka_queue_t *queue = rd_kafka_queue_get_consumer(rk);
    rd_kafka_message_t *batch[1000];
    long received = 0, bytes = 0;
    double start = 0, deadline = now() + 120;
    while (received < count && now() < deadline) {
        ssize_t n = rd_kafka_consume_batch_queue(queue, 100, batch, 1000);
        for (ssize_t i = 0; i < n; i++) {
            if (!batch[i]->err) {
                if (received == 0) start = now();
                received++;
                bytes += batch[i]->len;
            }
            rd_kafka_message_destroy(batch[i]);
        }
    }
    double seconds = now() - start;
    report("c-consume", received, seconds, bytes);
    rd_kafka_queue_destroy(queue);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return received == count ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc == 6 && !strcmp(argv[1], "produce")) return produce(argv[2], argv[3], atol(argv[4]), atoi(argv[5]));
    if (argc == 6 && !strcmp(argv[1], "consume")) return consume(argv[2], argv[3], atol(argv[4]), argv[5]);
    fprintf(stderr, "usage: %s produce BROKERS TOPIC COUNT SIZE | consume BROKERS TOPIC COUNT GROUP\n", argv[0]);
    return 2;
}
