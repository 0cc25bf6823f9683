using JinDu.BuildingBlocks.Hosting;
using JinDu.BuildingBlocks.Messaging;
using JinDu.Leads.Extensions;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("leads");
builder.AddLeads();
builder.AddJinDuBus("leads", bus => bus.AddLeadsConsumers());

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapLeadsApi();
app.Run();
