package ai.loradrop.cli;

/**
 * A command-line mistake: reported with the usage line, exit code 2.
 */
final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String usage;

    UsageException(String message, String usage) {
        super(message);
        this.usage = usage;
    }

    String usage() {
        return usage;
    }
}
