using JinDu.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace JinDu.FunctionalTests;

/// <summary>The standalone host with its own throwaway data folder (SQLite files and keys).</summary>
public sealed class StandaloneFactory : WebApplicationFactory<JinDu.Standalone.StandaloneEntryPoint>
{
    private bool _ownsData = true;

    /// <summary>A host over an existing data folder, which it leaves in place: for restart tests.</summary>
    public static StandaloneFactory Over(string dataDirectory) => new() { DataDirectory = dataDirectory, _ownsData = false };

    public string DataDirectory { get; private init; } = Path.Combine(Path.GetTempPath(), "jindu-standalone-" + Guid.NewGuid().ToString("N")[..8]);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("DataDirectory", DataDirectory);
        builder.UseEnvironment("Production");
    }

    public PlatformClient Platform() => new(CreateClient());

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (!_ownsData) return;
        try { Directory.Delete(DataDirectory, recursive: true); }
        catch (IOException) { /* SQLite may hold a file a moment longer; it is a temp folder */ }
    }
}

[CollectionDefinition(Name)]
public sealed class StandaloneCollection : ICollectionFixture<StandaloneFactory>
{
    public const string Name = "standalone";
}
