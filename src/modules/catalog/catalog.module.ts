import { Module } from '@nestjs/common';
import { AdmissionModule } from '../admission/admission.module';
import { AdminCatalogController, CatalogController } from './catalog.controller';
import { CatalogRepository } from './catalog.repository';
import { CatalogService } from './catalog.service';

@Module({
  imports: [AdmissionModule],
  controllers: [CatalogController, AdminCatalogController],
  providers: [CatalogService, CatalogRepository],
  exports: [CatalogService],
})
export class CatalogModule {}
