using JinDu.Testing;

namespace JinDu.IntegrationTests;

[CollectionDefinition(Name)]
public sealed class DistributedCollection : ICollectionFixture<DistributedPlatform>
{
    public const string Name = "distributed";
}
