using JinDu.BuildingBlocks.Divisions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace JinDu.BuildingBlocks.Privacy;

public static class PersonalDataSetup
{
    /// <summary>
    /// Registers the personal-data protector once per process: keys from PersonalData:KeyFile (created
    /// when PersonalData:CreateKeyFile is true) or inline under PersonalData (ActiveKeyId, Keys, TokenKey).
    /// </summary>
    public static IHostApplicationBuilder AddPersonalData(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(DivisionCatalog.Default);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(_ =>
        {
            var section = builder.Configuration.GetSection("PersonalData");
            var file = section["KeyFile"];
            var keys = file is not null
                ? PersonalDataKeys.LoadOrCreateFile(file, section.GetValue("CreateKeyFile", false))
                : section.Get<PersonalDataKeys>() ?? throw new InvalidOperationException("PersonalData keys are not configured");
            return new PersonalDataProtector(keys);
        });
        return builder;
    }
}
