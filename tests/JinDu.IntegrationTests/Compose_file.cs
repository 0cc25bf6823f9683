using JinDu.Testing;

namespace JinDu.IntegrationTests;

/// <summary>compose.yaml describes the distributed stack; docker-compose validates it without an engine.</summary>
public sealed class Compose_file
{
    [Fact]
    public async Task Passes_docker_compose_config_and_names_every_part_of_the_stack()
    {
        var compose = await EnsureDockerComposeAsync();
        var root = ServiceProcess.RepoRoot();
        var result = await ProcessRunner.RunAsync(compose, ["-f", Path.Combine(root, "compose.yaml"), "config"], TimeSpan.FromSeconds(60));
        Assert.True(result.Succeeded, result.Tail());
        foreach (var service in new[] { "rabbitmq", "redis", "postgres", "screening", "leads", "cooperation", "gateway" })
            Assert.Contains($"  {service}:", result.StdOut);
    }

    private static async Task<string> EnsureDockerComposeAsync()
    {
        foreach (var candidate in new[] { "/usr/bin/docker-compose", "/usr/local/bin/docker-compose" })
            if (File.Exists(candidate)) return candidate;
        if (Environment.UserName != "root")
            throw new InvalidOperationException("docker-compose is needed to validate compose.yaml: apt-get install -y docker-compose");
        // Through the project's installer: the server set may be installing at the same moment, and apt takes one at a time.
        var installer = Path.Combine(ServiceProcess.RepoRoot(), "infra", "test-servers", "apt-install.sh");
        var install = await ProcessRunner.RunAsync("bash", [installer, "docker-compose"], TimeSpan.FromMinutes(10));
        Assert.True(install.Succeeded, "could not install docker-compose: " + install.Tail());
        return "/usr/bin/docker-compose";
    }
}
