package dev.cdiff.cli;

import dev.cdiff.cli.dlq.DeadLetters;
import dev.cdiff.schemas.events.DeadLetter;
import org.apache.kafka.clients.producer.RecordMetadata;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code cdiff dlq list | show | replay}: the dead-letter topic for operators. */
@Command(name = "dlq", mixinStandardHelpOptions = true,
        description = "Dead-lettered records: list them, show one with its original decoded, replay one (or every one of a job) to the topic it came from.",
        subcommands = {DlqCommand.List.class, DlqCommand.Show.class, DlqCommand.Replay.class})
final class DlqCommand implements Runnable {
    @Override
    public void run() {
        picocli.CommandLine.usage(this, System.out);
    }

    static DeadLetters deadLetters(ClientOptions client) {
        return new DeadLetters(client.endpoints().serviceConfig("cdiff-dlq"));
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "One line per dead letter, oldest first: id, when, service, where from, job, tenant, error.")
    static final class List implements Callable<Integer> {
        @Mixin
        ClientOptions client = new ClientOptions();

        @Option(names = "--job", paramLabel = "JOB_ID", description = "Only this job's dead letters.")
        String jobId;

        @Override
        public Integer call() {
            java.util.List<DeadLetters.Entry> entries = deadLetters(client).list().stream()
                    .filter(e -> jobId == null || jobId.equals(e.jobId())).toList();
            for (DeadLetters.Entry e : entries) {
                DeadLetter l = e.letter();
                System.out.printf("%s  %s  %-13s %s-%d@%d  job=%s  tenant=%s  %s: %s%n", l.getEventId(), l.getFailedAt(),
                        l.getService(), l.getOriginalTopic(), l.getOriginalPartition(), l.getOriginalOffset(), e.jobId(),
                        l.getTenantId() == null ? "?" : l.getTenantId(), simpleName(l.getErrorClass()),
                        abbreviate(l.getErrorMessage(), 160));
            }
            System.err.println(entries.size() + " dead letter(s)");
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Every field of one dead letter and its original record, decoded with the registry when it can be.")
    static final class Show implements Callable<Integer> {
        @Mixin
        ClientOptions client = new ClientOptions();

        @Parameters(paramLabel = "ID", description = "Envelope id, as `dlq list` prints it.")
        String id;

        @Override
        public Integer call() {
            DeadLetters letters = deadLetters(client);
            DeadLetters.Entry e = letters.find(id);
            DeadLetter l = e.letter();
            System.out.println("id:             " + l.getEventId());
            System.out.println("failed at:      " + l.getFailedAt());
            System.out.println("service:        " + l.getService());
            System.out.println("original:       " + l.getOriginalTopic() + "-" + l.getOriginalPartition() + "@"
                    + l.getOriginalOffset());
            System.out.println("job:            " + e.jobId());
            System.out.println("tenant:         " + (l.getTenantId() == null ? "(not decodable)" : l.getTenantId()));
            System.out.println("event id:       " + (l.getOriginalEventId() == null ? "(not decodable)" : l.getOriginalEventId()));
            System.out.println("attempts:       " + l.getAttempts());
            System.out.println("error:          " + l.getErrorClass());
            System.out.println("message:        " + l.getErrorMessage());
            System.out.println("original value: " + letters.describeOriginal(l));
            return 0;
        }
    }

    @Command(name = "replay", mixinStandardHelpOptions = true,
            description = "Sends the original record of one dead letter (or of every dead letter of --job) back to its topic, byte for byte.")
    static final class Replay implements Callable<Integer> {
        @Mixin
        ClientOptions client = new ClientOptions();

        @Parameters(paramLabel = "ID", arity = "0..1", description = "Envelope id to replay.")
        String id;

        @Option(names = "--job", paramLabel = "JOB_ID", description = "Replay every dead letter of this job, oldest first.")
        String jobId;

        @Override
        public Integer call() {
            if ((id == null) == (jobId == null)) {
                throw new IllegalArgumentException("give either an envelope ID or --job JOB_ID");
            }
            DeadLetters letters = deadLetters(client);
            java.util.List<DeadLetters.Entry> chosen = id != null ? java.util.List.of(letters.find(id))
                    : letters.list().stream().filter(e -> jobId.equals(e.jobId())).toList();
            if (chosen.isEmpty()) {
                System.err.println("no dead letters of job " + jobId);
                return 1;
            }
            java.util.List<RecordMetadata> sent = letters.replay(chosen);
            for (int i = 0; i < sent.size(); i++) {
                System.out.println("replayed " + chosen.get(i).id() + " -> " + sent.get(i).topic() + "-"
                        + sent.get(i).partition() + "@" + sent.get(i).offset());
            }
            return 0;
        }
    }

    private static String simpleName(String className) {
        return className.substring(className.lastIndexOf('.') + 1);
    }

    private static String abbreviate(String s, int max) {
        String one = s.replace('\n', ' ');
        return one.length() <= max ? one : one.substring(0, max) + "...";
    }
}
